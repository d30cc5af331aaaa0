"""MySQL/MariaDB only: the apply lock is GET_LOCK, which belongs to the connection, not the transaction; it must be
released when the apply's transaction ends, or the next apply of the course would wait for a pooled connection."""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import create_engine, text

from tests.certificates.helpers import COURSE_A, world_with_learners
from webapp.database import lock_name
from webapp.extensions import db

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("mysql", "mariadb")),
    reason="GET_LOCK is MySQL's; PostgreSQL's advisory lock ends with its transaction by itself",
)


def test_the_apply_lock_is_free_again_once_the_apply_committed(runner, tmp_path):
    w = world_with_learners(2)
    roster = tmp_path / "roster.csv"
    roster.write_text("ann,one\nbob,two\n")
    for _ in range(2):  # the second apply of the course would wait for the first's lock if it were kept
        planned = runner.invoke(
            args=["certificates", "import-exceptions", str(roster), "--course", COURSE_A, "--as", "instructor"]
        )
        assert planned.exit_code == 0, planned.output
        roster.write_text("ann,three\nbob,four\n")
    other = create_engine(db.engine.url)
    try:
        with other.connect() as connection:
            name = lock_name(connection, f"course:{w['course_a'].id}")
            assert connection.scalar(text("SELECT IS_USED_LOCK(:name)"), {"name": name}) is None
    finally:
        other.dispose()
    assert json.loads(runner.invoke(args=["plans", "recover", "--json"]).output)["recovered"] == []
