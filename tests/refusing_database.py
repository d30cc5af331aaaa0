"""A database rule that refuses a write, as a DBA's trigger would: a real apply failure on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from webapp.extensions import db

REFUSAL = "a database rule refuses this change"


@contextmanager
def database_refuses(table: str, event: str) -> Iterator[None]:
    """While open, every `event` (INSERT, UPDATE, DELETE) on `table` is refused by the database itself."""
    name = f"refuse_{event.lower()}_{table}"
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as connection:
        if postgres:
            connection.execute(
                text(
                    f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                    f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
                )
            )
            connection.execute(
                text(f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
            )
        else:
            connection.execute(
                text(f"CREATE TRIGGER {name} BEFORE {event} ON {table} BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")
            )
    try:
        yield
    finally:
        db.session.rollback()
        with db.engine.begin() as connection:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else "")))
            if postgres:
                connection.execute(text(f"DROP FUNCTION IF EXISTS {name}()"))
