"""Databases on a server (PostgreSQL or MySQL) for the tests: one per pytest-xdist worker, so `-n 2` runs never
share tables, and one per worker for each purpose (migrations, the gunicorn server)."""

from __future__ import annotations

import os

from bench.servers import fresh_database

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"… under xdist; "" otherwise


def server_database(base_url: str, purpose: str = "") -> str:
    """A fresh database `<base>[_<purpose>][_<worker>]` next to base_url's; base_url itself when neither is set."""
    suffix = "_".join(part for part in (purpose, WORKER) if part)
    return fresh_database(base_url, suffix) if suffix else base_url
