"""Certificates capability: exceptions (allowlist), invalidations, generation toggle, issued list."""
