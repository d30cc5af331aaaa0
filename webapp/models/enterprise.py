"""Models of the enterprise capability (filled in by its issue)."""
