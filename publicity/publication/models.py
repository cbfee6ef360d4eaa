"""Models of the publication room (filled in by its branch)."""
