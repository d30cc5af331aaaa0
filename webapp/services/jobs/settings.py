"""The job settings as the app config holds them (documented in the README's Background jobs section)."""

from __future__ import annotations

from flask import current_app

THRESHOLD_ROWS = 20_000


def redis_url() -> str:
    return str(current_app.config.get("REDIS_URL") or "")


def threshold_rows() -> int:
    """Planning and applying past this many rows (or items) run as background jobs."""
    return int(current_app.config.get("JOB_THRESHOLD_ROWS", THRESHOLD_ROWS))


def in_process_mode() -> str:
    """Without REDIS_URL: `thread` (a background thread of the web process) or `sync` (in the request)."""
    return str(current_app.config.get("JOBS_IN_PROCESS", "thread"))


def lease_seconds() -> int:
    return int(current_app.config.get("JOB_LEASE_SECONDS", 120))


def progress_seconds() -> float:
    return float(current_app.config.get("JOB_PROGRESS_SECONDS", 1.0))


def max_attempts() -> int:
    return int(current_app.config.get("JOB_MAX_ATTEMPTS", 3))


def queue_name() -> str:
    return str(current_app.config.get("JOB_QUEUE", "staff-console"))


def timeout_seconds() -> int:
    return int(current_app.config.get("JOB_TIMEOUT_SECONDS", 3600))


def worker_priority() -> str:
    """A queue worker's CPU priority: `idle` (the default) or `normal`."""
    return str(current_app.config.get("QUEUE_WORKER_PRIORITY") or "idle").strip().lower()
