"""Audit events: who did what, when, on which course."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import Model
from webapp.models.people import User
from webapp.timeutil import utcnow


class AuditEvent(Model):
    """One audited action (plan applied, toggle flipped, review decided, login failed…)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_name: Mapped[str] = mapped_column(String(150), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    course_key: Mapped[str] = mapped_column(String(255), nullable=False, default="", index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    detail: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    remote_addr: Mapped[str] = mapped_column(String(64), nullable=False, default="")

    actor: Mapped[User | None] = relationship()
