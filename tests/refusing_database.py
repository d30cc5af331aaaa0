"""Database triggers for tests: a rule that refuses a write (as a DBA's trigger would), or another writer acting
meanwhile. Real apply failures and real stale plans, on SQLite, PostgreSQL and MySQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from webapp.extensions import db

REFUSAL = "a database rule refuses this change"


@contextmanager
def trigger(name: str, when: str, table: str, sqlite_body: str, postgres_body: str, mysql_body: str) -> Iterator[None]:
    """While open, `when` (e.g. 'BEFORE INSERT') on `table` runs the body (per row; NEW is the row)."""
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as connection:
        if postgres:
            connection.execute(
                text(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ {postgres_body} $$")
            )
            connection.execute(text(f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"))
        elif db.engine.dialect.name == "mysql":
            connection.execute(text(f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW {mysql_body}"))
        else:
            connection.execute(text(f"CREATE TRIGGER {name} {when} ON {table} BEGIN {sqlite_body} END"))
    try:
        yield
    finally:
        db.session.rollback()
        with db.engine.begin() as connection:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else "")))
            if postgres:
                connection.execute(text(f"DROP FUNCTION IF EXISTS {name}()"))


@contextmanager
def database_refuses(table: str, event: str) -> Iterator[None]:
    """While open, every `event` (INSERT, UPDATE, DELETE) on `table` is refused by the database itself."""
    with trigger(
        f"refuse_{event.lower()}_{table}",
        f"BEFORE {event}",
        table,
        f"SELECT RAISE(ABORT, '{REFUSAL}');",
        f"BEGIN RAISE EXCEPTION '{REFUSAL}'; END",
        f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{REFUSAL}'",
    ):
        yield


@contextmanager
def certificate_fails_once_planned() -> Iterator[None]:
    """Another writer acts between a plan's preview and its apply: as soon as a plan row naming a learner
    (key = user id) is stored, that learner's certificates become notpassing."""
    with trigger(
        "certificate_fails_meanwhile",
        "AFTER INSERT",
        "plan_rows",
        "UPDATE certificates SET status = 'notpassing' WHERE user_id = CAST(NEW.\"key\" AS INTEGER);",
        "BEGIN UPDATE certificates SET status = 'notpassing' WHERE user_id = NEW.\"key\"::int; RETURN NEW; END",
        "UPDATE certificates SET status = 'notpassing' WHERE user_id = CAST(NEW.`key` AS SIGNED)",
    ):
        yield
