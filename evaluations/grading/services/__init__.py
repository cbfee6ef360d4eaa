"""Writes of the evaluations app, one module per feature (the app is too large for one file)."""
