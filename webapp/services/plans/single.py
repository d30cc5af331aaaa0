"""Single-row actions (design §1): one-row plans through the same engine, apply path, stale check and audit.

`run_single` answers "done" only when the row was written; a row that is an error, skipped, unchanged
where that is a refusal, failed or stale raises `InputRefused` with the row's message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Course, Plan, PlanRow, User
from webapp.services.errors import InputRefused
from webapp.services.messages import english, rule_message
from webapp.services.plans.applying import apply_plan
from webapp.services.plans.kinds import Decision, Item, PlanContext, PlanKind, get_kind
from webapp.services.plans.storage import persist
from webapp.statuses import Action, PlanStatus, RowOutcome
from webapp.timeutil import utcnow

SINGLE_SOURCE = rule_message("one row (form)")
REFUSED_ACTIONS = frozenset({Action.ERROR, Action.SKIP})


@dataclass(frozen=True, slots=True)
class SingleResult:
    """What a single-row action did: the row's decision, and its applied plan when it wrote."""

    action: Action
    label: str
    message: str
    code: str = ""
    plan: Plan | None = None

    @property
    def written(self) -> bool:
        return self.plan is not None


def run_single(
    kind_name: str,
    item: Item,
    *,
    actor: User | None,
    course: Course | None,
    params: dict[str, Any] | None = None,
    refuse_unchanged: bool = False,
    source_name: str = SINGLE_SOURCE,
) -> SingleResult:
    """Plan one row with the kind's rules, apply it through `apply_plan`, and say what was written.

    A refused row leaves no plan behind; a row with nothing to write returns without a plan (unless
    `refuse_unchanged`, for actions whose only purpose is the write). What it stores is English.
    """
    with english():
        return _run_single(kind_name, item, actor, course, params, refuse_unchanged, source_name)


def _run_single(
    kind_name: str,
    item: Item,
    actor: User | None,
    course: Course | None,
    params: dict[str, Any] | None,
    refuse_unchanged: bool,
    source_name: str,
) -> SingleResult:
    kind = get_kind(kind_name)
    ctx = PlanContext(actor=actor, course=course, params=dict(params or {}), now=utcnow())
    decision = _decide(kind, ctx, item, refuse_unchanged=refuse_unchanged)
    action = Action(decision.action)
    if not action.writes:
        return SingleResult(action, decision.label, decision.message, decision.code)
    planned = persist(kind, [item], [decision], ctx, source_name=source_name, reverts_id=None)
    db.session.commit()
    result = apply_plan(planned.id, actor)
    if result.status == PlanStatus.STALE:
        if decision.label:
            raise InputRefused(
                rule_message(
                    "{label}: the data changed meanwhile; nothing was written. Try again.", label=decision.label
                )
            )
        raise InputRefused(rule_message("the data changed meanwhile; nothing was written. Try again."))
    if result.failed:
        if decision.label:
            raise InputRefused(
                rule_message("{label}: nothing was written: {reason}.", label=decision.label, reason=_failure(planned))
            )
        raise InputRefused(rule_message("nothing was written: {reason}.", reason=_failure(planned)))
    return SingleResult(action, decision.label, _said(decision), decision.code, result.plan)


def _said(decision: Decision) -> str:
    """The row's message and its side effects, as staff read what was done."""
    return "; ".join([decision.message, *(e.message for e in decision.effects)])


def decide_single(
    kind_name: str,
    item: Item,
    *,
    actor: User | None,
    course: Course | None,
    params: dict[str, Any] | None = None,
    refuse_unchanged: bool = False,
) -> Decision:
    """What `run_single` would do with this row (a confirmation page states it); writes nothing.

    A row the kind refuses raises `InputRefused` with the row's message, as `run_single` does.
    """
    kind = get_kind(kind_name)
    ctx = PlanContext(actor=actor, course=course, params=dict(params or {}), now=utcnow())
    with english():
        return _decide(kind, ctx, item, refuse_unchanged=refuse_unchanged)


def _decide(kind: PlanKind, ctx: PlanContext, item: Item, *, refuse_unchanged: bool) -> Decision:
    kind.authorize(ctx.actor, ctx.course)
    (decision,) = list(kind.decide(ctx, [item]))
    action = Action(decision.action)
    if action in REFUSED_ACTIONS or (action == Action.UNCHANGED and refuse_unchanged):
        raise InputRefused(_refusal(decision))
    return decision


def _refusal(decision: Decision) -> str:
    """'ana <ana@example.org>: already on the allowlist (already_listed).', one template per shape."""
    label, message, code = decision.label, decision.message, decision.code
    if label and code:
        return rule_message("{label}: {message} ({code}).", label=label, message=message, code=code)
    if label:
        return rule_message("{label}: {message}.", label=label, message=message)
    if code:
        return rule_message("{message} ({code}).", message=message, code=code)
    return rule_message("{message}.", message=message)


def _failure(plan: Plan) -> str:
    message = db.session.scalar(
        select(PlanRow.outcome_message).where(PlanRow.plan_id == plan.id, PlanRow.outcome == RowOutcome.FAILED)
    )
    return message or rule_message("the database refused the change")
