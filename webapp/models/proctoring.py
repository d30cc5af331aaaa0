"""Proctored exams, attempts, provider reviews (with history and comments), credit statuses, notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import Model
from webapp.models.courses import Course
from webapp.models.people import User
from webapp.statuses import AttemptStatus
from webapp.timeutil import utcnow

CREDIT_NAMESPACE = "proctored_exam"


class ProctoredExam(Model):
    """An exam of a course (content_id is the platform's usage key of the exam)."""

    __tablename__ = "proctored_exams"
    __table_args__ = (UniqueConstraint("course_id", "content_id", name="uq_proctored_exams_course_content"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    content_id: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    time_limit_mins: Mapped[int] = mapped_column(Integer, nullable=False, default=60)
    is_proctored: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    is_practice: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    course: Mapped[Course] = relationship()


class ExamAttempt(Model):
    """A learner's attempt at an exam; attempt_code is what the provider calls examCode.

    A reset archives the attempt (kept with its reviews, read-only): a learner has at most one current
    (not archived) attempt per exam, and any number of archived ones.
    """

    __tablename__ = "exam_attempts"
    __table_args__ = (
        Index(
            "uq_exam_attempts_exam_user_current",
            "exam_id",
            "user_id",
            unique=True,
            sqlite_where=text("archived IS NULL"),
            postgresql_where=text("archived IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exam_id: Mapped[int] = mapped_column(
        ForeignKey("proctored_exams.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(40), nullable=False, default=AttemptStatus.CREATED)
    attempt_code: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    external_id: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    taking_as_proctored: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    started: Mapped[datetime | None] = mapped_column(DateTime)
    completed: Mapped[datetime | None] = mapped_column(DateTime)
    created: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    modified: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    archived: Mapped[datetime | None] = mapped_column(DateTime, index=True)  # when staff reset it; None: current

    exam: Mapped[ProctoredExam] = relationship()
    user: Mapped[User] = relationship()


class Review(Model):
    """The provider's review of one attempt (one per attempt_code; updates keep the old version in history)."""

    __tablename__ = "proctoring_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_code: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("exam_attempts.id", ondelete="CASCADE"), index=True)
    review_status: Mapped[str] = mapped_column(String(40), nullable=False)  # the provider's string
    # Never the photo, the exam password or the video link (redacted, as the platform does).
    raw_data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    staff_note: Mapped[str] = mapped_column(Text, nullable=False, default="")  # second review note
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)  # the callback's signed timestamp (UTC)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)  # when a staff member's second review decided it
    created: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    modified: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    attempt: Mapped[ExamAttempt | None] = relationship()
    reviewer: Mapped[User | None] = relationship()
    comments: Mapped[list[ReviewComment]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewComment.position"
    )


class ReviewHistory(Model):
    """A previous version of a review, archived when the review was updated."""

    __tablename__ = "proctoring_review_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("proctoring_reviews.id", ondelete="CASCADE"), nullable=False, index=True
    )
    attempt_code: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    review_status: Mapped[str] = mapped_column(String(40), nullable=False)
    raw_data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    staff_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    created: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # when that version was first stored
    modified: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # when that version was written
    archived: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    reviewer: Mapped[User | None] = relationship()


class ReviewComment(Model):
    """One comment of the provider's review: webcam comments first, then desktop comments."""

    __tablename__ = "proctoring_review_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("proctoring_reviews.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="")  # webcam | desktop
    start: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    stop: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    duration: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(40), nullable=False, default="")

    review: Mapped[Review] = relationship(back_populates="comments")


class CreditRequirementStatus(Model):
    """A learner's credit requirement status; for exams namespace proctored_exam, name = content_id."""

    __tablename__ = "credit_requirement_statuses"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "course_id", "namespace", "name", name="uq_credit_requirement_statuses_user_course_ns_name"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True)
    namespace: Mapped[str] = mapped_column(String(64), nullable=False, default=CREDIT_NAMESPACE)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    modified: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class SupportNotification(Model):
    """A note to support that a provider review is Suspicious; `url` is the review page (a path)."""

    __tablename__ = "proctoring_support_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("exam_attempts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    review_id: Mapped[int | None] = mapped_column(ForeignKey("proctoring_reviews.id", ondelete="SET NULL"))
    review_status: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    url: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    attempt: Mapped[ExamAttempt] = relationship()
