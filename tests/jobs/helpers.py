"""Shared by the job tests: a course with many enrolled learners, waiting for a job, reading it afresh."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from sqlalchemy import insert, select

from webapp.extensions import db
from webapp.models import Enrollment, Job, Plan, User


def many_learners(course, n: int, prefix: str = "bulk") -> None:
    db.session.execute(
        insert(User),
        [{"username": f"{prefix}{i}", "email": f"{prefix}{i}@example.org", "password_hash": ""} for i in range(n)],
    )
    ids = db.session.scalars(select(User.id).where(User.username.like(f"{prefix}%"))).all()
    db.session.execute(insert(Enrollment), [{"user_id": i, "course_id": course.id, "mode": "verified"} for i in ids])
    db.session.commit()


def roster(n: int, prefix: str = "bulk") -> bytes:
    return "".join(f"{prefix}{i},late\n" for i in range(n)).encode()


def wait(condition: Callable[[], object], what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def fresh_job(job_id: int) -> Job:
    db.session.rollback()
    job = db.session.get(Job, job_id)
    assert job is not None
    db.session.refresh(job)
    return job


def fresh_plan(plan_id: int) -> Plan:
    db.session.rollback()
    plan = db.session.get(Plan, plan_id)
    assert plan is not None
    db.session.refresh(plan)
    return plan


def job_id_of(response) -> int:
    assert response.status_code == 302, (response.status_code, response.data[:800])
    match = re.search(r"/jobs/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def cpu_priority() -> tuple[int, int]:
    """Run by a queue worker as an RQ job: the scheduling policy and nice value of the thread that runs jobs."""
    import os

    return os.sched_getscheduler(0), os.getpriority(os.PRIO_PROCESS, 0)
