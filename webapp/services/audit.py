"""Audit trail: every apply, toggle, review decision and login failure is recorded, and read back."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, func, select

from webapp.extensions import db
from webapp.models import AuditEvent, User
from webapp.services import permissions
from webapp.services.messages import N_
from webapp.services.pagination import Page, paginate
from webapp.timeutil import iso, utcnow

# Who an event without a staff member was done by; stored in English, shown in the reader's language.
SYSTEM_ACTOR = N_("system (command line)")


def record(
    action: str,
    actor: User | None,
    *,
    summary: str = "",
    course_key: str = "",
    plan_id: int | None = None,
    detail: dict | None = None,
    remote_addr: str = "",
    actor_name: str = "",
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    event = AuditEvent(
        **event_values(
            action,
            actor,
            summary=summary,
            course_key=course_key,
            plan_id=plan_id,
            detail=detail,
            remote_addr=remote_addr,
            actor_name=actor_name,
        )
    )
    db.session.add(event)
    return event


def event_values(
    action: str,
    actor: User | None,
    *,
    summary: str = "",
    course_key: str = "",
    plan_id: int | None = None,
    detail: dict | None = None,
    remote_addr: str = "",
    actor_name: str = "",
) -> dict[str, Any]:
    """The column values of an audit event (`record` adds one; `record_all` inserts many at once)."""
    return {
        "action": action,
        "actor_id": actor.id if actor else None,
        "actor_name": actor.username if actor else (actor_name or SYSTEM_ACTOR),
        "summary": summary[:500],
        "course_key": course_key,
        "plan_id": plan_id,
        "detail": detail or {},
        "remote_addr": remote_addr[:64],
    }


def record_all(events: Sequence[dict[str, Any]]) -> None:
    """Insert the events (`event_values`) in one multi-row statement, in the current transaction."""
    if events:
        db.session.execute(AuditEvent.__table__.insert(), [{"at": utcnow(), **e} for e in events])


@dataclass
class AuditFilter:
    """What staff filter the audit log by; empty values mean 'any'."""

    actor: str = ""
    action: str = ""
    course: str = ""
    since: date | None = None
    until: date | None = None


def _filtered(actor: User, filters: AuditFilter) -> Select:
    permissions.require_global_staff(actor)
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if filters.actor:
        query = query.where(func.lower(AuditEvent.actor_name) == filters.actor.strip().lower())
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.course:
        query = query.where(AuditEvent.course_key == filters.course.strip())
    if filters.since:
        query = query.where(AuditEvent.at >= datetime.combine(filters.since, time.min))
    if filters.until:
        query = query.where(AuditEvent.at <= datetime.combine(filters.until, time.max))
    return query


def events_page(actor: User, filters: AuditFilter, page: int = 1, per_page: int = 50) -> Page:
    """One page of the audit log, newest first (global staff only)."""
    return paginate(_filtered(actor, filters), page, per_page)


def known_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


AUDIT_CSV_HEADER = ("at", "actor", "action", "course", "plan", "summary", "remote_addr")


def events_csv_rows(actor: User, filters: AuditFilter) -> Iterator[list[object]]:
    """Every matching event as CSV cells, streamed in batches.

    Permission is checked now; the query runs when the rows are read, i.e. while the download streams,
    in the session of the streaming context: the view's session is closed by then.
    """
    query = _filtered(actor, filters).execution_options(yield_per=1000)

    def rows() -> Iterator[list[object]]:
        for e in db.session.scalars(query):
            yield [iso(e.at), e.actor_name, e.action, e.course_key, e.plan_id or "", e.summary, e.remote_addr]

    return rows()
