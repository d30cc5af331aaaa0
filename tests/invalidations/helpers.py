"""Shared setup of the invalidation tests: a course with staff and learners holding certificates."""

from __future__ import annotations

import io

from tests.builders import enroll, make_certificate, make_course, make_course_staff, make_user
from webapp.extensions import db
from webapp.models import Certificate, Invalidation, Plan, PlanRow
from webapp.statuses import CertificateStatus

COURSE = "course-v1:edX+Inv+2026"


def world() -> dict:
    """A course, global staff, course staff, an instructor (may change certificates), an outsider, and
    learners with certificates (committed)."""
    course = make_course(COURSE, name="Invalidation Course")
    w = {
        "course": course,
        "staff": make_user("staff", is_staff=True),
        "course_staff": make_user("course_staff"),
        "instructor": make_user("instructor"),
        "outsider": make_user("outsider"),
    }
    make_course_staff(w["course_staff"], course)
    make_course_staff(w["instructor"], course, role="instructor")
    for name, status in (
        ("ana", CertificateStatus.DOWNLOADABLE),
        ("bo", CertificateStatus.GENERATING),
        ("cy", CertificateStatus.NOTPASSING),
        ("di", CertificateStatus.AUDIT_PASSING),
        ("ed", CertificateStatus.ERROR),
        ("fi", CertificateStatus.DOWNLOADABLE),
    ):
        user = make_user(name)
        enroll(user, course)
        w[name] = user
        w[f"{name}_cert"] = make_certificate(user, course, status)
    w["nocert"] = make_user("nocert")
    enroll(w["nocert"], course)
    db.session.commit()
    return w


def csv_file(text: str, name: str = "roster.csv") -> tuple[io.BytesIO, str]:
    return io.BytesIO(text.encode("utf-8")), name


def status_of(user) -> str:
    return db.session.scalar(db.select(Certificate.status).where(Certificate.user_id == user.id))


def rows_of(plan_id: int) -> dict[int, PlanRow]:
    return {r.row_number: r for r in db.session.scalars(db.select(PlanRow).where(PlanRow.plan_id == plan_id))}


def last_plan() -> Plan:
    return db.session.scalar(db.select(Plan).order_by(Plan.id.desc()))


def invalidations_count() -> int:
    return len(db.session.scalars(db.select(Invalidation)).all())
