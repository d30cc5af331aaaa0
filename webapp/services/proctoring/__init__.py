"""Proctoring reviews: the signed provider callback, attempt rules, the staff queue and the replay plan."""
