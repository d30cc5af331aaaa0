"""The plan life cycle around the apply: plan (create), read, revert, expire (design §1)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from webapp.extensions import db
from webapp.models import Course, Plan, PlanRow, User
from webapp.services.errors import Conflict, NotFound, PermissionDenied
from webapp.services.messages import english, rule_message
from webapp.services.plans import progress
from webapp.services.plans.kinds import Item, ItemSource, NotApplicable, PlanContext, PlanKind, get_kind
from webapp.services.plans.leases import lease_expired, recover_expired
from webapp.services.plans.storage import Tally, batch_size, bulk_work, new_plan, persist, store_batch
from webapp.statuses import JobPhase, PlanStatus, RowOutcome
from webapp.timeutil import utcnow

DECIDE_BATCH = 5000  # default of PLAN_DECIDE_BATCH: items decided and stored at a time by a batched kind


def create_plan(
    kind_name: str,
    items: Iterable[Item] | ItemSource,
    *,
    actor: User | None,
    course: Course | None = None,
    params: dict[str, Any] | None = None,
    source_name: str = "",
    reverts_id: int | None = None,
) -> Plan:
    """Plan: decide every item against the database, persist the plan and its rows; write nothing else.

    `items` is a list (or any iterable), or a re-readable input (`ItemSource`): a `batched` kind then
    surveys it once, and decides and stores it PLAN_DECIDE_BATCH items at a time, never holding it all.
    Inside `english()`: the rows' messages are stored in English whatever the reader's language (the items
    may be read lazily, as the plan consumes them, so a refusal of the input is English too).
    """
    kind = get_kind(kind_name)
    kind.authorize(actor, course)
    with bulk_work(), english():
        ctx = PlanContext(actor=actor, course=course, params=dict(params or {}), now=utcnow())
        plan = plan_items(kind, items, ctx, source_name=source_name, reverts_id=reverts_id)
        progress.saved(plan)
        db.session.commit()
    return plan


def plan_items(
    kind: PlanKind, items: Iterable[Item] | ItemSource, ctx: PlanContext, *, source_name: str, reverts_id: int | None
) -> Plan:
    """Decide the items and store the plan with its rows (not committed): a batched kind given a re-readable
    input in batches after a survey, any other input decided as a whole."""
    if callable(items) and kind.batched:
        return _plan_in_batches(kind, items, ctx, source_name=source_name, reverts_id=reverts_id)
    listed = list(progress.track(items() if callable(items) else items, JobPhase.READING))
    decisions = list(progress.track(kind.decide(ctx, listed), JobPhase.DECIDING, len(listed)))
    progress.report(JobPhase.SAVING, 0, len(listed))
    return persist(kind, listed, decisions, ctx, source_name=source_name, reverts_id=reverts_id)


def _plan_in_batches(
    kind: PlanKind, source: ItemSource, ctx: PlanContext, *, source_name: str, reverts_id: int | None
) -> Plan:
    """Survey the input, then read it again a batch at a time: decide the batch, store its rows, let it go."""
    # the survey reads the whole input, and refuses it if it must, before any progress is shown (as when the
    # input was read into a list first)
    total = kind.survey(ctx, source())
    progress.report(JobPhase.READING, total, total)
    plan = new_plan(kind, ctx, source_name=source_name, reverts_id=reverts_id)
    tally = Tally()
    size = decide_batch_size()
    for batch in progress.track(_batches(source(), size), JobPhase.DECIDING, total, batches=True):
        store_batch(plan, kind, batch, list(kind.decide(ctx, batch)), tally)
    progress.report(JobPhase.SAVING, tally.rows, tally.rows)
    tally.count_on(plan)
    return plan


def decide_batch_size() -> int:
    """Items a batched kind surveys and decides at a time (PLAN_DECIDE_BATCH; tests shrink it)."""
    return batch_size("PLAN_DECIDE_BATCH", DECIDE_BATCH)


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


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
        .execution_options(synchronize_session=False)  # pragma: no mutate - None also skips the sync
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
    rowcount = getattr(result, "rowcount", 0)  # pragma: no mutate - an UPDATE's result always has a rowcount
    return int(rowcount or 0)


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
