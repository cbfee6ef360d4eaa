"""Permission rules of the publication room."""
