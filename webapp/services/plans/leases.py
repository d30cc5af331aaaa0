"""The apply claim's lease, and the recovery of plans whose worker died while applying (design §1, step 3).

A claim (`previewed -> applying`) stores `lease_expires = now + PLAN_LEASE_SECONDS`. The apply then runs in
one transaction that holds the plan's row (PostgreSQL: a row lock; SQLite: the database write lock) and
commits the writes, the per-row outcomes and `applied` together. So a worker killed mid-apply committed
nothing of its writes, and a live worker is never taken over: recovery only takes `applying` plans whose
lease has expired AND whose row no live transaction holds (PostgreSQL `FOR UPDATE SKIP LOCKED`; on SQLite
the recovery's write waits for, or is refused by, the live apply's lock).

Recovering a plan with nothing committed puts it back to `previewed` (it may be applied again; the stale
check still runs). Should a plan ever have committed outcomes (rows marked applied or failed), it is
marked `failed` with what was written, never applied twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.exc import OperationalError

from webapp.extensions import db
from webapp.models import Plan, PlanRow, User
from webapp.services import audit
from webapp.services.messages import english, rule_message
from webapp.statuses import PlanStatus, RowOutcome
from webapp.timeutil import utcnow

PLAN_LEASE_SECONDS = 600


def lease_seconds() -> int:
    """How long an apply's claim lasts (PLAN_LEASE_SECONDS in the app config)."""
    if has_app_context():
        return int(current_app.config.get("PLAN_LEASE_SECONDS", PLAN_LEASE_SECONDS))
    return PLAN_LEASE_SECONDS


def lease_until(now: datetime) -> datetime:
    return now + timedelta(seconds=lease_seconds())


def lease_expired(plan: Plan, now: datetime | None = None) -> bool:
    """An `applying` plan whose claim is past its lease (or has none: claimed before leases existed)."""
    return plan.status == PlanStatus.APPLYING and (plan.lease_expires is None or plan.lease_expires < (now or utcnow()))


@dataclass(frozen=True)
class Recovery:
    """One recovered plan: its new status and how many rows had been written (0: nothing committed)."""

    plan_id: int
    kind: str
    status: PlanStatus
    written: int
    failed: int

    def as_dict(self) -> dict[str, object]:
        return {
            "plan_id": self.plan_id,
            "kind": self.kind,
            "status": str(self.status),
            "written": self.written,
            "failed": self.failed,
        }


def _expired(now: datetime) -> ColumnElement[bool]:
    return (Plan.status == PlanStatus.APPLYING) & or_(Plan.lease_expires.is_(None), Plan.lease_expires < now)


def recover_expired(actor: User | None = None, *, plan_id: int | None = None) -> list[Recovery]:
    """Recover every `applying` plan whose lease expired and whose worker is gone (or only `plan_id`).

    Commits; a plan still held by a live apply is left alone (and not listed). What it stores is English.
    """
    with english():
        return _recover_expired(actor, plan_id)


def _recover_expired(actor: User | None, plan_id: int | None) -> list[Recovery]:
    now = utcnow()
    query = select(Plan.id).where(_expired(now)).order_by(Plan.id)
    if plan_id is not None:
        query = query.where(Plan.id == plan_id)
    db.session.commit()  # start from a fresh transaction: the row locks below are ours until the commit
    try:
        ids = list(db.session.scalars(query.with_for_update(skip_locked=True)))
        recovered = [r for r in (_recover_one(pid, now, actor) for pid in ids) if r is not None]
        db.session.commit()
    except OperationalError:
        db.session.rollback()  # SQLite: a live apply holds the database; it is not ours to recover
        return []
    return recovered


def _recover_one(plan_id: int, now: datetime, actor: User | None) -> Recovery | None:
    outcomes = dict(
        db.session.execute(
            select(PlanRow.outcome, func.count())
            .where(PlanRow.plan_id == plan_id, PlanRow.outcome != "")
            .group_by(PlanRow.outcome)
        ).all()
    )
    written = int(outcomes.get(RowOutcome.APPLIED.value, 0))
    failed = int(outcomes.get(RowOutcome.FAILED.value, 0))
    if written or failed:
        status = PlanStatus.FAILED
        if written == 1:
            message = rule_message(
                "The worker applying this plan stopped after 1 row was written ({failed} failed); "
                "the other rows were not. Plan the rest anew.",
                failed=failed,
            )
        else:
            message = rule_message(
                "The worker applying this plan stopped after {count} rows were written ({failed} failed); "
                "the other rows were not. Plan the rest anew.",
                count=format(written, ","),
                failed=failed,
            )
        values: dict[str, object] = {
            "status": status,
            "message": message,
            "outcome_counts": {RowOutcome.APPLIED.value: written, RowOutcome.FAILED.value: failed},
        }
    else:
        status = PlanStatus.PREVIEWED
        message = ""  # pragma: no mutate - not read when nothing was written (`what` below)
        values = {"status": status, "message": ""}
    done = db.session.execute(
        update(Plan)
        .where(Plan.id == plan_id, _expired(now))
        .values(lease_expires=None, **values)
        .execution_options(synchronize_session=False)  # pragma: no mutate - None also skips the sync
    )
    rowcount = getattr(done, "rowcount", 0)  # pragma: no mutate - an UPDATE's result always has a rowcount
    if not rowcount:
        return None
    plan = db.session.get(Plan, plan_id)
    if plan is None:  # pragma: no cover - deleted between the two statements
        return None
    db.session.refresh(plan)
    recovery = Recovery(plan_id, plan.kind, status, written, failed)
    what = (
        rule_message("nothing had been written; it can be applied again") if status == PlanStatus.PREVIEWED else message
    )
    audit.record(
        "plan.recover",
        actor,
        plan_id=plan_id,
        course_key=plan.course.key if plan.course else "",
        summary=rule_message("Recovered plan #{plan} after its apply lease expired: {what}", plan=plan_id, what=what),
        detail=recovery.as_dict(),
    )
    return recovery
