"""Certificates, the exceptions allowlist and invalidations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import Model
from webapp.models.courses import Course
from webapp.models.people import User
from webapp.statuses import CertificateStatus
from webapp.timeutil import utcnow


class Certificate(Model):
    """A learner's generated certificate in a course (one per learner and course)."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_certificates_user_course"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(32), nullable=False, default=CertificateStatus.DOWNLOADABLE)
    grade: Mapped[float | None] = mapped_column(Float)
    created: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    modified: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()


class AllowlistEntry(Model):
    """A certificate exception: the learner gets a certificate whatever their grade."""

    __tablename__ = "allowlist_entries"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_allowlist_entries_user_course"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    course: Mapped[Course] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class Invalidation(Model):
    """An invalidation of a certificate. Re-validation sets active false; the row stays for history."""

    __tablename__ = "invalidations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), nullable=False, index=True
    )
    invalidated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    status_before: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    grade_before: Mapped[float | None] = mapped_column(Float)  # restored by re-validation (domain §1.4)
    created: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    modified: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    certificate: Mapped[Certificate] = relationship()
    invalidated_by: Mapped[User | None] = relationship()
