"""Permission rules of the feedback room."""
