"""A real worker killed mid-apply (issue 12 point 5): `flask plans apply` in its own process, SIGKILLed while it
holds the apply transaction. The plan stays `applying` until its lease expires; then `plans recover` makes it
applicable again and a second apply writes every row once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, insert, select, text

from tests.certificates.helpers import COURSE_A, world_with_learners
from webapp.database import lock_name
from webapp.extensions import db
from webapp.models import AllowlistEntry, AuditEvent, Enrollment, Plan, User
from webapp.statuses import PlanStatus
from webapp.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[2]
LEARNERS = 3000


def _many_learners(course) -> None:
    db.session.execute(
        insert(User),
        [{"username": f"bulk{i}", "email": f"bulk{i}@example.org", "password_hash": ""} for i in range(LEARNERS)],
    )
    ids = db.session.scalars(select(User.id).where(User.username.like("bulk%"))).all()
    db.session.execute(insert(Enrollment), [{"user_id": i, "course_id": course.id, "mode": "verified"} for i in ids])
    db.session.commit()


def _held_by_another_process(url: str, scope: str) -> bool:
    """True while some other connection holds the apply transaction's lock (the worker is mid-apply)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                held = (  # in this database only: other test runs on the server take advisory locks of their own
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
                return bool(connection.scalar(text(held)))
            if connection.dialect.name == "mysql":
                name = lock_name(connection, scope)
                return connection.scalar(text("SELECT IS_USED_LOCK(:name)"), {"name": name}) is not None
            connection.exec_driver_sql("PRAGMA busy_timeout = 0")
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except Exception:  # "database is locked": the worker holds the write lock
                return True
            connection.exec_driver_sql("ROLLBACK")
            return False
    finally:
        engine.dispose()


def _wait(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def _status(plan_id: int) -> str:
    db.session.rollback()
    return db.session.scalar(select(Plan.status).where(Plan.id == plan_id))


def test_a_killed_apply_is_recovered_after_its_lease_and_applied_once(runner, tmp_path):
    w = world_with_learners()
    _many_learners(w["course_a"])
    roster = tmp_path / "roster.csv"
    roster.write_text("".join(f"bulk{i},late\n" for i in range(LEARNERS)))
    command = ["certificates", "import-exceptions", str(roster), "--course", COURSE_A, "--as", "instructor"]
    planned = runner.invoke(args=[*command, "--dry-run", "--json"])
    assert planned.exit_code == 0, planned.output
    plan_id = json.loads(planned.output)["plan_id"]

    url = db.engine.url.render_as_string(hide_password=False)
    scope = f"course:{w['course_a'].id}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "x", "PLAN_LEASE_SECONDS": "1", "PLAN_APPLY_BATCH": "1"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "plans", "apply", str(plan_id), "--as", "instructor"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(lambda: worker.poll() is not None or _held_by_another_process(url, scope), "the worker to start applying")
        assert worker.poll() is None, worker.stdout.read() if worker.stdout else ""
        time.sleep(0.1)  # let it write some rows in its transaction
        assert worker.poll() is None, "the apply finished before it could be killed; make LEARNERS larger"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    assert _status(plan_id) == PlanStatus.APPLYING
    assert db.session.scalar(select(func.count()).select_from(AllowlistEntry)) == 0  # nothing committed
    lease = db.session.scalar(select(Plan.lease_expires).where(Plan.id == plan_id))
    assert lease is not None
    _wait(lambda: utcnow() > lease, "the lease to expire", timeout=10)

    recovered = runner.invoke(args=["plans", "recover", "--json"])
    assert recovered.exit_code == 0, recovered.output
    assert json.loads(recovered.output)["recovered"] == [
        {"plan_id": plan_id, "kind": "certificate_exceptions", "status": "previewed", "written": 0, "failed": 0}
    ]
    assert _status(plan_id) == PlanStatus.PREVIEWED

    applied = runner.invoke(args=["plans", "apply", str(plan_id), "--as", "instructor", "--json"])
    assert applied.exit_code == 0, applied.output
    assert json.loads(applied.output)["status"] == "applied"
    assert db.session.scalar(select(func.count()).select_from(AllowlistEntry)) == LEARNERS
    assert db.session.scalar(select(func.count(func.distinct(AllowlistEntry.user_id)))) == LEARNERS
    events = select(AuditEvent.action).where(AuditEvent.plan_id == plan_id).order_by(AuditEvent.id)
    assert list(db.session.scalars(events)) == ["plan.recover", "plan.apply"]
