"""Models of the proctoring capability (filled in by its issue)."""
