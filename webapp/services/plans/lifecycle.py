"""The plan life cycle around the apply: plan (create), read, revert, expire (design §1)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from webapp.extensions import db
from webapp.models import Course, Plan, PlanRow, User
from webapp.services.errors import Conflict, NotFound, PermissionDenied
from webapp.services.messages import english, rule_message
from webapp.services.plans import progress
from webapp.services.plans.kinds import Item, NotApplicable, PlanContext, get_kind
from webapp.services.plans.leases import lease_expired, recover_expired
from webapp.services.plans.storage import bulk_work, persist
from webapp.statuses import JobPhase, PlanStatus, RowOutcome
from webapp.timeutil import utcnow


def create_plan(
    kind_name: str,
    items: Iterable[Item],
    *,
    actor: User | None,
    course: Course | None = None,
    params: dict[str, Any] | None = None,
    source_name: str = "",
    reverts_id: int | None = None,
) -> Plan:
    """Plan: decide every item against the database, persist the plan and its rows; write nothing else.

    Inside `english()`: the rows' messages are stored in English whatever the reader's language (the items
    may be read lazily, as the plan consumes them, so a refusal of the input is English too)."""
    kind = get_kind(kind_name)
    kind.authorize(actor, course)
    with bulk_work(), english():
        listed = list(progress.track(items, JobPhase.READING))
        ctx = PlanContext(actor=actor, course=course, params=dict(params or {}), now=utcnow())
        decisions = list(progress.track(kind.decide(ctx, listed), JobPhase.DECIDING, len(listed)))
        progress.report(JobPhase.SAVING, 0, len(listed))
        plan = persist(kind, listed, decisions, ctx, source_name=source_name, reverts_id=reverts_id)
        progress.saved(plan)
        db.session.commit()
    return plan


def is_due(plan: Plan, now: datetime | None = None) -> bool:
    """A previewed plan past its expiry: it can no longer be applied (whether or not that is stored yet)."""
    return plan.status == PlanStatus.PREVIEWED and plan.expires < (now or utcnow())


def get_plan(plan_id: int, actor: User | None, *, to_change: bool = False) -> Plan:
    """The plan, if the actor may see it (or, `to_change`, apply or revert it).

    A previewed plan past its expiry reads as expired; `expire_plans` and the apply path store that. An
    `applying` plan whose lease expired (its worker died) is recovered here, lazily (the only write).
    """
    plan = db.session.get(Plan, plan_id)
    missing = NotFound(rule_message("There is no plan #{plan}.", plan=plan_id))
    if plan is None:
        raise missing
    kind = get_kind(plan.kind)
    try:
        kind.authorize_view(actor, plan.course)
    except PermissionDenied:  # a plan the actor may not see answers as a missing one: ids reveal nothing
        raise missing from None
    if to_change:
        kind.authorize(actor, plan.course)
    if lease_expired(plan) and recover_expired(actor, plan_id=plan.id):
        db.session.refresh(plan)
    return derive_expiry(plan)


def derive_expiry(plan: Plan) -> Plan:
    """Show a due plan as expired without writing: the status is set as loaded, not as a pending change."""
    if is_due(plan):
        set_committed_value(plan, "status", PlanStatus.EXPIRED)
    return plan


def store_expiry(plan: Plan) -> None:
    """Store the expiry of a plan that read as expired (the apply path, before refusing it)."""
    db.session.execute(
        update(Plan)
        .where(Plan.id == plan.id, Plan.status == PlanStatus.PREVIEWED)
        .values(status=PlanStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def expire_plans(now: datetime | None = None) -> int:
    """Mark every previewed plan past its expiry as expired; returns how many."""
    result = db.session.execute(
        update(Plan)
        .where(Plan.status == PlanStatus.PREVIEWED, Plan.expires < (now or utcnow()))
        .values(status=PlanStatus.EXPIRED)
    )
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


class AlreadyReverted(Conflict):
    """An applied plan is reverted at most once (design §1, step 5)."""


def refuse_if_reverted(plan: Plan) -> None:
    """Refuse (409) a second revert of a plan that an applied revert already undid."""
    done = plan.reverted_by
    if done is not None:
        raise AlreadyReverted(
            rule_message(
                "Plan #{plan} was already reverted by plan #{revert}; a plan is reverted at most once.",
                plan=plan.id,
                revert=done.id,
            )
        )


def revert_plan(plan_id: int, actor: User | None) -> Plan:
    """Plan the inverse of an applied plan (previewed like any other; nothing written yet).

    Refused when the plan was already reverted (an applied revert); a revert still in preview does not
    block planning another (only one of them can ever be applied).
    """
    plan = get_plan(plan_id, actor, to_change=True)
    kind = get_kind(plan.kind)
    if plan.status != PlanStatus.APPLIED:
        raise NotApplicable(
            rule_message(
                "Only an applied plan can be reverted; plan #{plan} is {status}.", plan=plan.id, status=str(plan.status)
            )
        )
    refuse_if_reverted(plan)
    rows = list(
        db.session.scalars(
            select(PlanRow)
            .where(PlanRow.plan_id == plan.id, PlanRow.outcome == RowOutcome.APPLIED)
            .order_by(PlanRow.row_number)
        )
    )
    ctx = PlanContext(actor=actor, course=plan.course, params=dict(plan.params), now=utcnow(), plan=plan)
    with english():
        inverse = kind.inverse(ctx, rows)
    if inverse is None:
        raise NotApplicable(rule_message("A {kind} plan cannot be reverted.", kind=kind.title))
    if not inverse.items:
        raise NotApplicable(rule_message("Plan #{plan} wrote nothing, so there is nothing to revert.", plan=plan.id))
    return create_plan(
        inverse.kind,
        inverse.items,
        actor=actor,
        course=plan.course,
        params=inverse.params,
        source_name=rule_message("revert of plan #{plan}", plan=plan.id),
        reverts_id=plan.id,
    )
