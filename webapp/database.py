"""Connection setup so SQLite behaves like PostgreSQL where the app relies on it.

- `lower()`: SQLite's built-in lowers ASCII only, while usernames, emails and academy names are matched
  case-insensitively against Python's `str.lower()`; PostgreSQL's `lower()` is Unicode-aware. The
  replacement is deterministic, so the expression indexes on lower(...) use it too.
- Foreign keys are enforced (SQLite ignores them unless asked).
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: object, _record: object) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
