"""Course pages: the dashboard and one course's overview."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Course, CourseStaff, Enrollment, User
from webapp.services import permissions
from webapp.services.certificates.issued import status_segments
from webapp.services.charts import Segment


@dataclass
class DashboardRow:
    course: Course
    active_enrollments: int


@dataclass
class CourseOverview:
    course: Course
    counts_by_mode: dict[str, int]
    inactive_enrollments: int
    staff: list[CourseStaff]
    generation_enabled: bool
    certificate_segments: list[Segment]  # the certificate-status bar

    @property
    def active_enrollments(self) -> int:
        return sum(self.counts_by_mode.values())


def dashboard(user: User) -> list[DashboardRow]:
    """The courses the user may act on, each with its count of active enrollments (one query)."""
    courses = permissions.courses_for(user)
    counts = (
        dict(
            db.session.execute(
                select(Enrollment.course_id, func.count())
                .where(Enrollment.is_active.is_(True), Enrollment.course_id.in_([c.id for c in courses]))
                .group_by(Enrollment.course_id)
            ).all()
        )
        if courses
        else {}
    )
    return [DashboardRow(c, counts.get(c.id, 0)) for c in courses]


def generation_enabled(course: Course) -> bool:
    """Certificates are generated only when both the global switch and the course's switch are on."""
    return bool(current_app.config.get("CERTIFICATES_GENERATION_ENABLED", True)) and course.certificates_enabled


def overview(user: User, course_key: str) -> CourseOverview:
    course = permissions.require_course(user, course_key)
    rows = db.session.execute(
        select(Enrollment.mode, Enrollment.is_active, func.count())
        .where(Enrollment.course_id == course.id)
        .group_by(Enrollment.mode, Enrollment.is_active)
    ).all()
    by_mode = {mode: n for mode, active, n in rows if active}
    inactive = sum(n for _, active, n in rows if not active)
    staff = list(
        db.session.scalars(
            select(CourseStaff)
            .where(CourseStaff.course_id == course.id)
            .join(User, User.id == CourseStaff.user_id)
            .order_by(User.username)
        )
    )
    return CourseOverview(
        course, dict(sorted(by_mode.items())), inactive, staff, generation_enabled(course), status_segments(course)
    )
