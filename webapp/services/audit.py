"""Audit trail: every apply, toggle, review decision and login failure is recorded."""

from __future__ import annotations

from webapp.extensions import db
from webapp.models import AuditEvent, User


def record(action: str, actor: User | None, *, summary: str = "", course_key: str = "",
           plan_id: int | None = None, detail: dict | None = None, remote_addr: str = "",
           actor_name: str = "") -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    event = AuditEvent(
        action=action, actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else (actor_name or "system (command line)"), summary=summary[:500],
        course_key=course_key, plan_id=plan_id, detail=detail or {}, remote_addr=remote_addr[:64],
    )
    db.session.add(event)
    return event
