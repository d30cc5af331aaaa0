"""Enterprise customers, their learners, data-sharing consents, grade records and completion exports.

Course references: consents, grade records and export records name their course by **course key**
(a string), not by a foreign key to `courses`. This is how the platform's enterprise and grades services
see courses (a course id string that may be missing from the catalog), and it is what lets the
completion export report "course unknown" for a consent or a grade whose course has no Course row.
Enrollments keep their foreign key to `courses` (foundation model).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import Model
from webapp.models.people import User
from webapp.timeutil import utcnow


class EnterpriseCustomer(Model):
    """An enterprise customer; audit reporting decides whether audit/honor enrollments are exported."""

    __tablename__ = "enterprise_customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    enable_audit_reporting: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    def __repr__(self) -> str:
        return f"<EnterpriseCustomer {self.slug}>"


class EnterpriseLearner(Model):
    """A user linked to a customer; only active learners are exported."""

    __tablename__ = "enterprise_learners"
    __table_args__ = (UniqueConstraint("customer_id", "user_id", name="uq_enterprise_learners_customer_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("enterprise_customers.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    customer: Mapped[EnterpriseCustomer] = relationship()
    user: Mapped[User] = relationship()


class DataSharingConsent(Model):
    """Whether a learner lets a customer see their data for one course (keyed by course key)."""

    __tablename__ = "data_sharing_consents"
    __table_args__ = (
        UniqueConstraint("customer_id", "user_id", "course_key", name="uq_data_sharing_consents_customer_user_course"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("enterprise_customers.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    course_key: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    granted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    modified: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    customer: Mapped[EnterpriseCustomer] = relationship()
    user: Mapped[User] = relationship()


class GradeRecord(Model):
    """A learner's persisted course grade (percent 0..1, passed), keyed by course key."""

    __tablename__ = "grade_records"
    __table_args__ = (UniqueConstraint("user_id", "course_key", name="uq_grade_records_user_course"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    course_key: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    percent: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    passed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    modified: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()


class CompletionExport(Model):
    """One completion export (page download or CLI): its parameters, who ran it and what it counted."""

    __tablename__ = "completion_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise_customers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    course_key: Mapped[str] = mapped_column(String(255), nullable=False, default="")  # "" = every course
    as_of: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    only_changes: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # None = CLI
    created: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    exported: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    skipped: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    customer: Mapped[EnterpriseCustomer] = relationship()
    actor: Mapped[User | None] = relationship()


class CompletionExportRecord(Model):
    """What one export wrote for one enrollment; the latest per enrollment drives "only changes"."""

    __tablename__ = "completion_export_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    export_id: Mapped[int] = mapped_column(
        ForeignKey("completion_exports.id", ondelete="CASCADE"), nullable=False, index=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("enterprise_customers.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    course_key: Mapped[str] = mapped_column(String(255), nullable=False)
    grade: Mapped[str] = mapped_column(String(20), nullable=False)
    completed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    exported_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


Index(
    "ix_completion_export_records_lookup",
    CompletionExportRecord.customer_id,
    CompletionExportRecord.course_key,
    CompletionExportRecord.user_id,
)
