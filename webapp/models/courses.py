"""Courses, their staff roles and enrollments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import Model
from webapp.models.people import User
from webapp.statuses import CourseRole, EnrollmentMode, Pacing
from webapp.timeutil import utcnow


class Course(Model):
    """A course run, keyed by its course key (either format, stored as given)."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    pacing: Mapped[str] = mapped_column(String(20), nullable=False, default=Pacing.INSTRUCTOR)
    start: Mapped[datetime | None] = mapped_column(DateTime)
    end: Mapped[datetime | None] = mapped_column(DateTime)
    certificates_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    @property
    def is_self_paced(self) -> bool:
        return self.pacing == Pacing.SELF

    def __repr__(self) -> str:
        return f"<Course {self.key}>"


class CourseStaff(Model):
    """A course role (staff or instructor) that lets a user act on one course."""

    __tablename__ = "course_staff"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_course_staff_user_course"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False, default=CourseRole.STAFF)

    user: Mapped[User] = relationship(lazy="joined")
    course: Mapped[Course] = relationship(lazy="joined")


class Enrollment(Model):
    """A learner's enrollment; only an active enrollment counts as enrolled."""

    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_enrollments_user_course"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    mode: Mapped[str] = mapped_column(String(40), nullable=False, default=EnrollmentMode.AUDIT)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
