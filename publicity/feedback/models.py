"""Models of the feedback room (filled in by its branch)."""
