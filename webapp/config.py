"""Settings: defaults here, overridden by environment variables of the same name."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from webapp import database


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _json_dumps(value: object) -> str:
    """JSON columns: orjson is several times faster than json.dumps on 100,000-row plans."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _instance_secret(instance_path: Path) -> str:
    """Demo mode: generate a secret key once and keep it in instance/ (never in the repo)."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(instance_path: str, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every setting the app reads, with its environment variable (documented in the README); `given`
    settings (create_app's test config) win. instance/secret_key is written only when no SECRET_KEY is given."""
    instance = Path(instance_path)
    given = dict(given or {})
    explicit = given.get("SQLALCHEMY_DATABASE_URI") or os.environ.get("DATABASE_URL")
    if not explicit:
        # The SQLite default lives in instance/: create it whether or not a secret key is generated there.
        instance.mkdir(parents=True, exist_ok=True)
    # DATABASE_URL: SQLite (default), PostgreSQL (postgresql://) or MySQL/MariaDB (mysql://, utf8mb4); see database.py
    database_url = database.database_url(explicit or f"sqlite:///{instance / 'staff_console.sqlite'}")
    config = {
        "SECRET_KEY": given.get("SECRET_KEY") or os.environ.get("SECRET_KEY") or _instance_secret(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "json_serializer": _json_dumps,
            "json_deserializer": orjson.loads,
        },
        # Uploads: whole request body limit (413 above it), and the CSV row limit.
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 20 * 1024 * 1024),
        "CSV_MAX_ROWS": _int("CSV_MAX_ROWS", 200_000),
        # Hostile input: most items (replay payloads, academies) one JSON upload may hold.
        "JSON_MAX_ITEMS": _int("JSON_MAX_ITEMS", 50_000),
        "PLAN_TTL_HOURS": _int("PLAN_TTL_HOURS", 24),
        # Plan engine: rows per insert batch, items per decide batch of a batched kind (an upload planned with
        # bounded memory) and per apply savepoint; seconds an apply's claim lasts.
        "PLAN_INSERT_BATCH": _int("PLAN_INSERT_BATCH", 2000),
        "PLAN_DECIDE_BATCH": _int("PLAN_DECIDE_BATCH", 5000),
        "PLAN_APPLY_BATCH": _int("PLAN_APPLY_BATCH", 2000),
        "PLAN_LEASE_SECONDS": _int("PLAN_LEASE_SECONDS", 600),
        # Batch thresholds (the tests shrink every one, so each run crosses each boundary): identifiers in a
        # roster above which learners are found by one scan of the users table instead of IN batches; learners
        # from which certificate state is read course-wide; rows per chunk of a streamed CSV download.
        "ROSTER_FULL_SCAN_MIN": _int("ROSTER_FULL_SCAN_MIN", 5000),
        "CERTIFICATES_COURSE_WIDE_FROM": _int("CERTIFICATES_COURSE_WIDE_FROM", 2000),
        "LIST_USER_WALK_FROM": _int("LIST_USER_WALK_FROM", 2000),  # see services/learner_pages.py
        "CSV_OUTPUT_CHUNK_ROWS": _int("CSV_OUTPUT_CHUNK_ROWS", 500),
        "PAGE_SIZE": _int("PAGE_SIZE", 50),
        # Background jobs (issue 16; README "Background jobs"). REDIS_URL set: jobs go to RQ over Redis and
        # `flask worker` runs them; unset: in the web process (JOBS_IN_PROCESS: thread, or sync in the request).
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "JOB_QUEUE": os.environ.get("JOB_QUEUE", "staff-console"),
        "JOBS_IN_PROCESS": os.environ.get("JOBS_IN_PROCESS", "thread"),
        "JOB_THRESHOLD_ROWS": _int("JOB_THRESHOLD_ROWS", 20_000),  # planning/applying past this: a job
        "JOB_LEASE_SECONDS": _int("JOB_LEASE_SECONDS", 120),  # a running job's claim, renewed while it runs
        "JOB_PROGRESS_SECONDS": float(os.environ.get("JOB_PROGRESS_SECONDS", "1")),  # progress writes, lease renewal
        "JOB_RECOVER_SECONDS": float(os.environ.get("JOB_RECOVER_SECONDS", "30")),  # a worker's stalled-job sweep
        "JOB_MAX_ATTEMPTS": _int("JOB_MAX_ATTEMPTS", 3),  # a job whose worker stopped this often fails
        "JOB_TIMEOUT_SECONDS": _int("JOB_TIMEOUT_SECONDS", 3600),  # RQ's limit for one job
        # A queue worker's CPU priority: idle (Linux SCHED_IDLE, else nice 19; web requests on the same host
        # always win) or normal. Jobs run in the web process (no REDIS_URL) keep the web worker's priority.
        "QUEUE_WORKER_PRIORITY": os.environ.get("QUEUE_WORKER_PRIORITY", "idle"),
        "PROGRESS_BAR_AFTER_SECONDS": float(os.environ.get("PROGRESS_BAR_AFTER_SECONDS", "1")),  # CLI bar
        # Certificates: the global generation switch (each course has its own too).
        "CERTIFICATES_GENERATION_ENABLED": _bool("CERTIFICATES_GENERATION_ENABLED", True),
        # Catalog (academy sync).
        "CATALOG_ACADEMIES_URL": os.environ.get("CATALOG_ACADEMIES_URL", ""),
        "CATALOG_API_TOKEN": os.environ.get("CATALOG_API_TOKEN", ""),
        "CATALOG_TIMEOUT_SECONDS": float(os.environ.get("CATALOG_TIMEOUT_SECONDS", "10")),
        "CATALOG_DEMO_FILE": os.environ.get(
            "CATALOG_DEMO_FILE", str(Path(__file__).parent / "demo" / "catalog_academies.json")
        ),
        # Proctoring provider callback.
        "PROCTORING_WEBHOOK_SECRET": os.environ.get("PROCTORING_WEBHOOK_SECRET", ""),
        "PROCTORING_MAX_SKEW_SECONDS": _int("PROCTORING_MAX_SKEW_SECONDS", 300),
        "PROCTORING_MAX_BODY_BYTES": _int("PROCTORING_MAX_BODY_BYTES", 2 * 1024 * 1024),
        "ALLOW_REVIEW_UPDATES": _bool("ALLOW_REVIEW_UPDATES", False),
        "ALLOW_TIMED_OUT_STATE": _bool("ALLOW_TIMED_OUT_STATE", False),
        # Sessions and login throttling.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "LOGIN_FAILURE_DELAY_SECONDS": float(os.environ.get("LOGIN_FAILURE_DELAY_SECONDS", "0.25")),
        # --- Login throttling and client addresses (issue 14, login) ---
        # Attempts per (user, client address) pair and per client address within LOGIN_LOCKOUT_SECONDS; a
        # successful login gives its slots back. TRUSTED_PROXY_COUNT: how many reverse proxies in front of the
        # app append to X-Forwarded-For (0: the header is ignored and the socket's address is the client's).
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_ADDRESS_MAX_FAILURES": _int("LOGIN_ADDRESS_MAX_FAILURES", 50),
        "LOGIN_LOCKOUT_SECONDS": _int("LOGIN_LOCKOUT_SECONDS", 300),
        "TRUSTED_PROXY_COUNT": _int("TRUSTED_PROXY_COUNT", 0),
        # --- end of login throttling ---
        "WTF_CSRF_TIME_LIMIT": None,
    }
    return config | given | {"SQLALCHEMY_DATABASE_URI": database_url}
