"""Apply: claim a previewed plan once, recompute it (stale check), write in savepoints, record outcomes and
the audit event (design §1, step 3)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from webapp.database import is_unique_violation, serialize
from webapp.extensions import db
from webapp.models import Plan, User
from webapp.services import audit
from webapp.services.errors import InputRefused, ServiceError
from webapp.services.messages import english, rule_message
from webapp.services.plans import progress
from webapp.services.plans.kinds import Item, ItemSource, NotApplicable, PlanContext, PlanKind, get_kind
from webapp.services.plans.leases import lease_seconds, lease_until
from webapp.services.plans.lifecycle import decide_batch_size, get_plan, plan_items, refuse_if_reverted, store_expiry
from webapp.services.plans.storage import (
    PreviewedBatch,
    bulk_work,
    decision_hash,
    outcome_totals,
    previewed_batches,
    previewed_items,
    store_outcomes,
    write_batches,
)
from webapp.statuses import Action, JobPhase, PlanStatus, RowOutcome
from webapp.timeutil import utcnow

log = logging.getLogger(__name__)


@dataclass
class ApplyResult:
    plan: Plan
    status: PlanStatus
    applied: int = 0
    failed: int = 0
    fresh_plan: Plan | None = None
    already: bool = False
    changed_rows: int = 0


def apply_plan(plan_id: int, actor: User | None) -> ApplyResult:
    """Apply a previewed plan exactly once; a plan whose rows would now do otherwise becomes stale.

    Runs inside `english()`: what it stores (row outcomes, messages, the audit summary) is English whatever
    the reader's language."""
    with english():
        return _apply_plan(plan_id, actor)


def _apply_plan(plan_id: int, actor: User | None) -> ApplyResult:
    plan = get_plan(plan_id, actor, to_change=True)
    kind = get_kind(plan.kind)
    if plan.status == PlanStatus.APPLIED:
        return _already_applied(plan)
    if plan.status == PlanStatus.EXPIRED:
        store_expiry(plan)
    if plan.status != PlanStatus.PREVIEWED:
        raise NotApplicable(_not_applicable_message(plan))
    if kind.atomic and plan.count(Action.ERROR):
        errors = plan.count(Action.ERROR)
        if errors == 1:
            raise NotApplicable(
                rule_message(
                    "Plan #{plan} has 1 error rows; it applies only as a whole, so nothing was written. "
                    "Fix the input and plan again.",
                    plan=plan.id,
                )
            )
        raise NotApplicable(
            rule_message(
                "Plan #{plan} has {count} error rows; it applies only as a whole, so nothing was written. "
                "Fix the input and plan again.",
                plan=plan.id,
                count=format(errors, ","),
            )
        )
    lease = _claim(plan)
    if lease is None:
        db.session.refresh(plan)
        if plan.status == PlanStatus.APPLIED:
            return _already_applied(plan)
        raise NotApplicable(_not_applicable_message(plan))
    try:
        with bulk_work():
            return _apply_claimed(plan, kind, actor, lease)
    except ClaimLost:
        db.session.rollback()
        raise
    except Exception as error:
        db.session.rollback()
        message = str(error) if isinstance(error, ServiceError) else rule_message("The apply failed unexpectedly.")
        db.session.execute(
            update(Plan)
            .where(Plan.id == plan.id, Plan.status == PlanStatus.APPLYING, Plan.lease_expires == lease)
            .values(status=PlanStatus.FAILED, message=message, lease_expires=None)
        )
        db.session.commit()
        raise


def _already_applied(plan: Plan) -> ApplyResult:
    totals = outcome_totals(plan)
    return ApplyResult(plan, PlanStatus.APPLIED, applied=totals["applied"], failed=totals["failed"], already=True)


class ClaimLost(NotApplicable):
    """The claim's lease expired and the plan was recovered before this apply held it: nothing was written."""


def _claim(plan: Plan) -> datetime | None:
    """previewed -> applying with a conditional update, carrying a lease (its expiry is returned and also
    identifies this claim); a double click or a second worker gets None."""
    now = utcnow()
    lease = lease_until(now)
    claimed = db.session.execute(
        update(Plan)
        .where(Plan.id == plan.id, Plan.status == PlanStatus.PREVIEWED, Plan.expires >= now)
        .values(status=PlanStatus.APPLYING, lease_expires=lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return lease if getattr(claimed, "rowcount", 0) else None


def _hold_claim(plan: Plan, lease: datetime) -> None:
    """Hold the claimed plan's row for the whole apply transaction (PostgreSQL: row lock; SQLite: the write
    lock), so recovery never takes a plan whose worker is alive; refuse if the claim was recovered meanwhile."""
    held = db.session.execute(
        update(Plan)
        .where(Plan.id == plan.id, Plan.status == PlanStatus.APPLYING, Plan.lease_expires == lease)
        .values(status=PlanStatus.APPLYING)
        .execution_options(synchronize_session=False)
    )
    if not getattr(held, "rowcount", 0):
        raise ClaimLost(
            rule_message(
                "Plan #{plan}'s claim expired before its apply started; nothing was written. Apply again.",
                plan=plan.id,
            )
        )


def _not_applicable_message(plan: Plan) -> str:
    status = PlanStatus(plan.status)
    if status == PlanStatus.APPLYING:
        if plan.lease_expires is None:
            return rule_message("Plan #{plan} is being applied right now.", plan=plan.id)
        return rule_message(
            "Plan #{plan} is being applied right now. If its worker stopped, it can be applied again after "
            "{when} UTC (when its claim expires).",
            plan=plan.id,
            when=plan.lease_expires.strftime("%Y-%m-%d %H:%M:%S"),
        )
    if status == PlanStatus.STALE:
        return rule_message(
            "Plan #{plan} is stale: the data changed since its preview. Review the fresh preview instead.",
            plan=plan.id,
        )
    if status == PlanStatus.EXPIRED:
        return rule_message("Plan #{plan} expired before it was applied. Upload the file again.", plan=plan.id)
    if status == PlanStatus.FAILED:
        return rule_message("Plan #{plan} failed and cannot be applied again. Plan it anew.", plan=plan.id)
    return plan_is(plan)


def plan_is(plan: Plan) -> str:
    """'Plan #7 is previewed.': the plan's status, stored in English (the status is a translated label)."""
    return rule_message("Plan #{plan} is {status}.", plan=plan.id, status=str(plan.status))


def _serialize_applies(plan: Plan, lease: datetime) -> None:
    """Applies of plans over the same course (or the same course-less kind) run one at a time.

    Taken before the recompute, so a second plan sees what the first wrote and turns stale instead of
    colliding (the lock per dialect: `webapp.database.serialize`). The plan's own row is held first
    (`_hold_claim`), so a plan waiting in line is not taken for a dead worker's.
    """
    _hold_claim(plan, lease)
    scope = f"course:{plan.course_id}" if plan.course_id else f"kind:{plan.kind}"
    serialize(db.session, scope, timeout_seconds=lease_seconds())


def _apply_claimed(plan: Plan, kind: PlanKind, actor: User | None, lease: datetime) -> ApplyResult:
    _serialize_applies(plan, lease)
    if plan.reverts_id is not None and (original := db.session.get(Plan, plan.reverts_id)) is not None:
        refuse_if_reverted(original)  # under the lock: of two previewed reverts, only one is ever applied
    ctx = PlanContext(actor=actor, course=plan.course, params=dict(plan.params), now=utcnow(), plan=plan)
    changed = _changed_rows(plan, kind, ctx)
    if changed:
        return _mark_stale(plan, kind, ctx, changed)
    # the recompute agreed with the preview; the writes are streamed in batches

    batches = progress.track(write_batches(plan.id), JobPhase.APPLYING, plan.write_count, batches=True)
    applied, failed = _apply_atomic(kind, ctx, batches) if kind.atomic else _apply_in_savepoints(kind, ctx, batches)
    plan.status = PlanStatus.APPLIED
    plan.lease_expires = None
    plan.applied_by_id = ctx.actor_id
    plan.applied = ctx.now
    plan.outcome_counts = {RowOutcome.APPLIED.value: applied, RowOutcome.FAILED.value: failed}
    audit.record(
        "plan.apply",
        actor,
        plan_id=plan.id,
        course_key=plan.course.key if plan.course else "",
        summary=rule_message(
            "Applied {kind} plan #{plan}: {applied} written, {failed} failed",
            kind=kind.title,
            plan=plan.id,
            applied=applied,
            failed=failed,
        ),
        detail={
            "kind": kind.name,
            "counts": plan.counts,
            "applied": applied,
            "failed": failed,
            "source": plan.source_name,
        },
    )
    db.session.commit()
    return ApplyResult(plan, PlanStatus.APPLIED, applied=applied, failed=failed)


def _changed_rows(plan: Plan, kind: PlanKind, ctx: PlanContext) -> int:
    """How many of the previewed rows the recompute decides differently (design §1.3, the stale check).

    A batched kind is rechecked as it was previewed: its stored items surveyed, then read again and decided
    PLAN_DECIDE_BATCH at a time, each batch hashed and let go, so neither the items nor the fresh decisions
    of a 100,000-row plan are ever all held. Any other kind decides its items together.
    """
    if kind.batched:
        size = decide_batch_size()
        kind.survey(ctx, _stored_items(plan.id, size))
        batches: Iterable[PreviewedBatch] = previewed_batches(plan.id, size)
    else:
        batches = [PreviewedBatch(*previewed_items(plan.id))]
    changed = 0
    for batch in progress.track(batches, JobPhase.DECIDING, sum((plan.counts or {}).values()), batches=True):
        fresh = kind.decide(ctx, batch.items)
        changed += sum(1 for hashed, d in zip(batch.hashes, fresh, strict=True) if hashed != decision_hash(d))
    return changed


def _stored_items(plan_id: int, size: int) -> Iterator[Item]:
    for batch in previewed_batches(plan_id, size, hashed=False):
        yield from batch.items


def _mark_stale(plan: Plan, kind: PlanKind, ctx: PlanContext, changed: int) -> ApplyResult:
    """Nothing is written: the plan turns stale, and its items, read again, make a fresh preview (in batches
    for a batched kind, as an upload's preview)."""
    items: ItemSource | list[Item]
    if kind.batched:
        size = decide_batch_size()
        items = lambda: _stored_items(plan.id, size)  # noqa: E731 (a re-readable input)
    else:
        items = previewed_items(plan.id)[0]
    new_ctx = PlanContext(actor=ctx.actor, course=plan.course, params=dict(plan.params), now=ctx.now)
    fresh_plan = plan_items(kind, items, new_ctx, source_name=plan.source_name, reverts_id=plan.reverts_id)
    plan.status = PlanStatus.STALE
    plan.lease_expires = None
    plan.superseded_by_id = fresh_plan.id
    if changed == 1:
        plan.message = rule_message(
            "1 row changed since the preview (what they do, the values they change or their side effects); "
            "nothing was written. Review plan #{fresh_plan}.",
            fresh_plan=fresh_plan.id,
        )
    else:
        plan.message = rule_message(
            "{count} rows changed since the preview (what they do, the values they change or their side "
            "effects); nothing was written. Review plan #{fresh_plan}.",
            count=format(changed, ","),
            fresh_plan=fresh_plan.id,
        )
    audit.record(
        "plan.stale",
        ctx.actor,
        plan_id=plan.id,
        course_key=plan.course.key if plan.course else "",
        summary=rule_message(
            "{kind} plan #{plan} was stale ({changed} rows changed); fresh preview #{fresh_plan}",
            kind=kind.title,
            plan=plan.id,
            changed=changed,
            fresh_plan=fresh_plan.id,
        ),
        detail={"kind": kind.name, "changed": changed, "fresh_plan": fresh_plan.id},
    )
    db.session.commit()
    return ApplyResult(plan, PlanStatus.STALE, fresh_plan=fresh_plan, changed_rows=changed)


def _row_error_message(error: Exception) -> str:
    if isinstance(error, ServiceError):
        return str(error)
    if is_unique_violation(error):
        return rule_message("conflicts with a record written meanwhile (a uniqueness rule of the database)")
    return rule_message("the database refused this row")


def _apply_in_savepoints(kind: PlanKind, ctx: PlanContext, batches: Iterable[Sequence[Any]]) -> tuple[int, int]:
    """Each batch in a savepoint; a failing batch is replayed row by row so one bad row fails alone."""
    applied: list[int] = []
    failed: list[tuple[int, str]] = []
    for batch in batches:
        try:
            with db.session.begin_nested():
                kind.apply(ctx, batch)
                db.session.flush()
            applied += [r.id for r in batch]
            continue
        except (ServiceError, SQLAlchemyError) as error:
            log.info("Batch of %s failed (%s); replaying row by row", kind.name, error)
        for row in batch:
            try:
                with db.session.begin_nested():
                    kind.apply(ctx, [row])
                    db.session.flush()
                applied.append(row.id)
            except (ServiceError, SQLAlchemyError) as error:
                failed.append((row.id, _row_error_message(error)))
    store_outcomes(_plan_id(ctx), applied, failed)
    return len(applied), len(failed)


def _apply_atomic(kind: PlanKind, ctx: PlanContext, batches: Iterable[Sequence[Any]]) -> tuple[int, int]:
    """All rows or none: one failure rolls everything back and fails the plan with the reason."""
    applied: list[int] = []
    try:
        with db.session.begin_nested():
            for batch in batches:
                kind.apply(ctx, batch)
                db.session.flush()
                applied += [r.id for r in batch]
    except (ServiceError, SQLAlchemyError) as error:
        raise InputRefused(rule_message("Nothing was written: {reason}.", reason=_row_error_message(error))) from error
    store_outcomes(_plan_id(ctx), applied, [])
    return len(applied), 0


def _plan_id(ctx: PlanContext) -> int:
    if ctx.plan is None:
        raise RuntimeError("applying needs the plan in its context")
    return ctx.plan.id
