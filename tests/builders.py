"""Plain builders for test data: make_* functions that add rows and return them (flushed)."""

from __future__ import annotations

import itertools
from datetime import datetime

from werkzeug.security import generate_password_hash

from webapp.extensions import db
from webapp.models import AllowlistEntry, Certificate, Course, CourseStaff, Enrollment, Invalidation, User
from webapp.statuses import CertificateStatus

_seq = itertools.count(1)
# Fast hash for tests (the app itself uses werkzeug's default).
_HASHES: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _HASHES:
        _HASHES[password] = generate_password_hash(password, method="pbkdf2:sha256:1000")
    return _HASHES[password]


def make_user(
    username: str | None = None,
    *,
    email: str | None = None,
    password: str = "edx",
    is_staff: bool = False,
    is_active: bool = True,
    full_name: str = "",
) -> User:
    username = username or f"learner{next(_seq)}"
    user = User(
        username=username,
        email=email or f"{username}@example.com",
        full_name=full_name,
        password_hash=_hash(password),
        is_staff=is_staff,
        is_active=is_active,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_course(
    key: str | None = None,
    *,
    name: str = "",
    pacing: str = "instructor",
    start: datetime | None = None,
    end: datetime | None = None,
    certificates_enabled: bool = True,
) -> Course:
    key = key or f"course-v1:TestX+C{next(_seq)}+2026"
    course = Course(
        key=key,
        name=name or f"Course {key}",
        pacing=pacing,
        start=start,
        end=end,
        certificates_enabled=certificates_enabled,
    )
    db.session.add(course)
    db.session.flush()
    return course


def make_course_staff(user: User, course: Course, role: str = "staff") -> CourseStaff:
    row = CourseStaff(user_id=user.id, course_id=course.id, role=role)
    db.session.add(row)
    db.session.flush()
    return row


def enroll(user: User, course: Course, mode: str = "verified", is_active: bool = True) -> Enrollment:
    row = Enrollment(user_id=user.id, course_id=course.id, mode=mode, is_active=is_active)
    db.session.add(row)
    db.session.flush()
    return row


def make_certificate(
    user: User,
    course: Course,
    status: str = CertificateStatus.DOWNLOADABLE,
    grade: float | None = 0.9,
    created: datetime | None = None,
) -> Certificate:
    row = Certificate(user_id=user.id, course_id=course.id, status=status, grade=grade)
    if created:
        row.created = created
    db.session.add(row)
    db.session.flush()
    return row


def allow(user: User, course: Course, notes: str = "", created_by: User | None = None) -> AllowlistEntry:
    row = AllowlistEntry(
        user_id=user.id, course_id=course.id, notes=notes, created_by_id=created_by.id if created_by else None
    )
    db.session.add(row)
    db.session.flush()
    return row


def invalidate(certificate: Certificate, notes: str = "", by: User | None = None, active: bool = True) -> Invalidation:
    row = Invalidation(
        certificate_id=certificate.id,
        notes=notes,
        active=active,
        invalidated_by_id=by.id if by else None,
        status_before=certificate.status,
    )
    if active:
        certificate.status = CertificateStatus.UNAVAILABLE
    db.session.add(row)
    db.session.flush()
    return row


def staff_world() -> dict:
    """Two courses, a global staff user, course staff of A only, and a plain learner. Committed."""
    course_a = make_course("course-v1:edX+A+2026", name="Course A")
    course_b = make_course("edX/B/2026", name="Course B")
    world = {
        "course_a": course_a,
        "course_b": course_b,
        "staff": make_user("staff", is_staff=True),
        "course_staff": make_user("course_staff"),
        "learner": make_user("learner"),
    }
    make_course_staff(world["course_staff"], course_a)
    db.session.commit()
    return world
