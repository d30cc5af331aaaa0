"""Background jobs: planning or applying a large plan, with their progress, stored beside the plans.

The job's state lives here (never in the queue or a process), so any web worker shows it and a restart
loses nothing; the queue (RQ over Redis, or a thread of the web process) only carries the job's id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from webapp.extensions import Model
from webapp.models.courses import Course
from webapp.models.people import User
from webapp.models.plans import Plan
from webapp.statuses import JobPhase, JobStatus
from webapp.timeutil import utcnow

# the uploaded input of a planning job (up to MAX_CONTENT_LENGTH); MySQL's BLOB stops at 64 KB
INPUT_TYPE = LargeBinary().with_variant(mysql.LONGBLOB(), "mysql")


class Job(Model):
    """One background job: what it runs, who asked, its status, phase and rows done of total."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # JobKind
    title: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=JobStatus.QUEUED, index=True)
    # planning jobs: the planner's name (assembly.job_planners()), its arguments and the uploaded input
    planner: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    args: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    input: Mapped[bytes | None] = deferred(mapped_column(INPUT_TYPE))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    # apply jobs: the plan applied; planning jobs: the plan made (set in the plan's own transaction)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    started: Mapped[datetime | None] = mapped_column(DateTime)
    finished: Mapped[datetime | None] = mapped_column(DateTime)
    phase: Mapped[str] = mapped_column(String(16), nullable=False, default=JobPhase.WAITING)
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # each claim by a worker counts one attempt; only the current attempt may finish the job
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # a running job's claim lasts until then (renewed while its worker lives); past it, it is recovered
    lease_expires: Mapped[datetime | None] = mapped_column(DateTime)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")

    course: Mapped[Course | None] = relationship()
    plan: Mapped[Plan | None] = relationship()
    created_by: Mapped[User | None] = relationship()
