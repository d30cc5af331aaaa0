"""SQLite: a page stays readable while another connection writes (a job storing a big plan holds the write
lock for its whole transaction; its progress page is polled meanwhile)."""

from __future__ import annotations

import sqlite3

import pytest

from tests.builders import make_user
from webapp.extensions import db


def test_a_page_answers_while_another_connection_holds_the_write_lock(client) -> None:
    if db.engine.url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's locking: PostgreSQL and MariaDB readers never wait for writers")
    make_user("staff", is_staff=True)
    db.session.commit()
    client.login("staff")
    writer = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        # what a long write transaction comes to once SQLite spills it to the file: the exclusive lock
        writer.execute("BEGIN EXCLUSIVE")
        writer.execute("DELETE FROM audit_events")
        response = client.get("/")
        assert response.status_code == 200
    finally:
        writer.execute("ROLLBACK")
        writer.close()
