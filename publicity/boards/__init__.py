"""The weekly progress board and the goals board (公开透明)."""
