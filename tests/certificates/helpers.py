"""Helpers for the certificate exceptions tests: a course with enrolled learners, uploads through the page."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from tests.builders import enroll, make_course_staff, make_user, staff_world
from webapp.extensions import db
from webapp.models import AllowlistEntry, Plan, PlanRow

COURSE_A = "course-v1:edX+A+2026"


def exceptions_url(course_key: str = COURSE_A) -> str:
    return f"/courses/{course_key}/certificates/exceptions"


def world_with_learners(n: int = 5) -> dict:
    """staff_world() plus an `instructor` of course A (may change certificates) and learners ann, bob, …
    enrolled (active) in course A; committed."""
    world = staff_world()
    world["instructor"] = make_user("instructor")
    make_course_staff(world["instructor"], world["course_a"], role="instructor")
    names = ["ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal"][:n]
    for name in names:
        world[name] = make_user(name, email=f"{name}@example.org")
        enroll(world[name], world["course_a"])
    db.session.commit()
    return world


def upload(
    client,
    data: bytes,
    *,
    name: str = "roster.csv",
    encoding: str = "utf-8",
    removal: bool = False,
    course_key: str = COURSE_A,
    follow: bool = False,
):
    path = "remove-upload" if removal else "upload"
    return client.post(
        f"{exceptions_url(course_key)}/{path}",
        data={"file": (io.BytesIO(data), name), "encoding": encoding},
        content_type="multipart/form-data",
        follow_redirects=follow,
    )


def plan_id_of(response) -> int:
    assert response.status_code == 302, (response.status_code, response.data[:800])
    match = re.search(r"/plans/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def rows_of(plan_id: int) -> dict[int, PlanRow]:
    return {r.row_number: r for r in db.session.scalars(select(PlanRow).where(PlanRow.plan_id == plan_id))}


def plan(plan_id: int) -> Plan:
    db.session.expire_all()
    return db.session.get(Plan, plan_id)


def allowlist(course) -> dict[str, str]:
    """username -> notes of the course's allowlist, read fresh."""
    db.session.expire_all()
    return {
        e.user.username: e.notes
        for e in db.session.scalars(select(AllowlistEntry).where(AllowlistEntry.course_id == course.id))
    }
