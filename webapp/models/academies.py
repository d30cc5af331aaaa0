"""Models of the academies capability (filled in by its issue)."""
