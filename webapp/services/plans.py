"""The plan engine: every bulk change is planned, previewed, then applied once (design §1).

A capability plugs in a `PlanKind`: `decide()` turns input items into one `Decision` per item (reading the
database in batches, writing nothing), `apply()` writes a batch of rows, `inverse()` builds the items of
the plan that undoes an applied one. The engine owns everything else: persistence, counts, the
once-only claim, the stale check, savepoints, outcomes, audit, expiry, error reports and JSON.
"""

from __future__ import annotations

import gc
import hashlib
import logging
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

import orjson
from flask import current_app
from sqlalchemy import case, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import aliased, joinedload

from webapp.extensions import db
from webapp.models import Course, Plan, PlanRow, User
from webapp.services import audit, permissions
from webapp.services.errors import Conflict, NotFound, ServiceError
from webapp.services.pagination import Page, paginate
from webapp.statuses import ACTION_ORDER, WRITE_ACTIONS, Action, PlanStatus, RowOutcome
from webapp.timeutil import utcnow

log = logging.getLogger(__name__)

INSERT_BATCH = 2000
PLAN_ROWS = PlanRow.__table__  # Core statements: no per-row ORM bookkeeping for 100,000-row plans
# What a kind's apply() may read of a row (messages and outcomes are for people, not for writing).
APPLY_COLUMNS = ("id", "row_number", "cells", "data", "key", "label", "action", "before")
APPLY_BATCH = 2000  # rows per savepoint; a failing batch is replayed row by row
REPORT_CODES_SKIPPED = frozenset({"blank_row"})


@dataclass(slots=True)
class Item:
    """One input row: its number as staff see it, its cells as written, and the normalised data."""

    row: int
    cells: list[str]
    data: dict[str, Any]


@dataclass(slots=True)
class Decision:
    """What one item will do. `key` identifies the target (e.g. user id); `label` is what staff read."""

    action: Action
    key: str = ""
    label: str = ""
    code: str = ""
    message: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


@dataclass(slots=True)
class PlanContext:
    """What a kind may read while deciding or applying: who acts, on which course, with which options."""

    actor: User | None  # None: the trusted command line acting as the system
    course: Course | None
    params: dict[str, Any]
    now: datetime
    plan: Plan | None = None
    cache: dict[str, Any] = field(default_factory=dict)  # per-run scratch space (decide -> apply), never stored


@dataclass(slots=True)
class InversePlan:
    kind: str
    items: list[Item]
    params: dict[str, Any] = field(default_factory=dict)


class PlanKind:
    """Base class of a bulk operation. Subclasses set the class attributes and implement decide/apply."""

    name: ClassVar[str]
    title: ClassVar[str]
    input_columns: ClassVar[tuple[str, ...]] = ()
    needs_course: ClassVar[bool] = True
    atomic: ClassVar[bool] = False  # all rows in one transaction; any error row refuses the apply

    def authorize(self, actor: User | None, course: Course | None) -> None:
        """Course staff of the plan's course, or global staff for plans without a course."""
        if self.needs_course and course is None:
            raise ServiceError(f"A {self.title} plan needs a course.")
        if actor is None:  # the trusted command line (system), as for `flask db upgrade`
            return
        if self.needs_course:
            permissions.require_course(actor, course.key)
        else:
            permissions.require_global_staff(actor)

    def decide(self, ctx: PlanContext, items: Sequence[Item]) -> Iterable[Decision]:
        raise NotImplementedError

    def apply(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
        raise NotImplementedError

    def inverse(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> InversePlan | None:
        """Items of the plan that undoes the applied rows, or None when the operation has no inverse."""
        return None

    @property
    def revertible(self) -> bool:
        return type(self).inverse is not PlanKind.inverse


KINDS: dict[str, PlanKind] = {}


def register(kind_class: type[PlanKind]) -> type[PlanKind]:
    """Class decorator: make a plan kind known to the engine by its name."""
    KINDS[kind_class.name] = kind_class()
    return kind_class


def get_kind(name: str) -> PlanKind:
    try:
        return KINDS[name]
    except KeyError:
        raise NotFound(f"Unknown plan kind {name!r}.") from None


# ------------------------------------------------------------------------------------------- plan


@contextmanager
def bulk_work() -> Iterator[None]:
    """Pause the cyclic garbage collector while building or applying a large plan.

    Hundreds of thousands of small objects would trigger it again and again (about 30% of the CPU time)
    although none of them form cycles; it runs once, normally, when the work is done.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
    """Plan: decide every item against the database, persist the plan and its rows; write nothing else."""
    kind = get_kind(kind_name)
    kind.authorize(actor, course)
    with bulk_work():
        items = list(items)
        now = utcnow()
        ctx = PlanContext(actor=actor, course=course, params=dict(params or {}), now=now)
        decisions = list(kind.decide(ctx, items))
        plan = _persist(kind, items, decisions, ctx, source_name=source_name, reverts_id=reverts_id)
        db.session.commit()
    return plan


def _persist(
    kind: PlanKind,
    items: Sequence[Item],
    decisions: Sequence[Decision],
    ctx: PlanContext,
    *,
    source_name: str,
    reverts_id: int | None,
) -> Plan:
    if len(items) != len(decisions):
        raise RuntimeError(f"{kind.name}.decide returned {len(decisions)} decisions for {len(items)} items")
    counts = Counter(str(d.action) for d in decisions)
    ttl = timedelta(hours=current_app.config.get("PLAN_TTL_HOURS", 24))
    plan = Plan(
        kind=kind.name,
        status=PlanStatus.PREVIEWED,
        course_id=ctx.course.id if ctx.course else None,
        params=ctx.params,
        source_name=source_name[:255],
        counts={str(a): counts.get(str(a), 0) for a in ACTION_ORDER},
        created_by_id=ctx.actor.id if ctx.actor else None,
        created=ctx.now,
        expires=ctx.now + ttl,
        reverts_id=reverts_id,
    )
    db.session.add(plan)
    db.session.flush()
    rows = (
        {
            "plan_id": plan.id,
            "row_number": item.row,
            "cells": item.cells,
            "data": item.data,
            "key": d.key[:255],
            "label": d.label[:255],
            "action": str(d.action),
            "code": d.code,
            "message": d.message,
            "before": d.before,
            "after": d.after,
            "outcome": "",
            "outcome_message": "",
        }
        for item, d in zip(items, decisions, strict=True)
    )
    _insert_rows(rows)
    return plan


_JSON_COLUMNS = ("cells", "data", "before", "after")


def _insert_rows(rows: Iterator[dict[str, Any]]) -> None:
    """Insert plan rows in batches through the driver's executemany with JSON serialised by orjson.

    SQLAlchemy's per-row parameter processing costs more than the insert itself at 100,000 rows; the
    statement is still SQLAlchemy's, compiled once for the dialect (SQLite and PostgreSQL alike).
    """
    connection = db.session.connection()
    compiled = PLAN_ROWS.insert().compile(dialect=connection.dialect, column_keys=list(_ROW_COLUMNS))
    positional = compiled.positional
    names = compiled.positiontup if positional else None
    batch: list[Any] = []
    for row in rows:
        for column in _JSON_COLUMNS:
            value = row[column]
            row[column] = None if value is None and column in ("before", "after") else _json(value)
        batch.append(tuple(row[n] for n in names) if positional else row)
        if len(batch) == INSERT_BATCH:
            connection.exec_driver_sql(compiled.string, batch)
            batch = []
    if batch:
        connection.exec_driver_sql(compiled.string, batch)


_ROW_COLUMNS = (
    "plan_id",
    "row_number",
    "cells",
    "data",
    "key",
    "label",
    "action",
    "code",
    "message",
    "before",
    "after",
    "outcome",
    "outcome_message",
)


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def get_plan(plan_id: int, actor: User | None) -> Plan:
    """The plan, if the actor may see it (same permission as applying it). Expires it if due."""
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"There is no plan #{plan_id}.")
    get_kind(plan.kind).authorize(actor, plan.course)
    if plan.status == PlanStatus.PREVIEWED and plan.expires < utcnow():
        plan.status = PlanStatus.EXPIRED
        db.session.commit()
    return plan


# ------------------------------------------------------------------------------------------- apply


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
    """Apply a previewed plan exactly once; a plan whose rows would now do otherwise becomes stale."""
    plan = get_plan(plan_id, actor)
    kind = get_kind(plan.kind)
    if plan.status == PlanStatus.APPLIED:
        return ApplyResult(plan, PlanStatus.APPLIED, already=True, **_outcome_totals(plan))
    if plan.status != PlanStatus.PREVIEWED:
        raise Conflict(_not_applicable_message(plan))
    if kind.atomic and plan.count(Action.ERROR):
        raise Conflict(
            f"Plan #{plan.id} has {plan.count(Action.ERROR)} error rows; it applies only as a "
            "whole, so nothing was written. Fix the input and plan again."
        )
    claimed = db.session.execute(
        update(Plan)
        .where(Plan.id == plan.id, Plan.status == PlanStatus.PREVIEWED)
        .values(status=PlanStatus.APPLYING)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        db.session.refresh(plan)
        if plan.status == PlanStatus.APPLIED:
            return ApplyResult(plan, PlanStatus.APPLIED, already=True, **_outcome_totals(plan))
        raise Conflict(_not_applicable_message(plan))
    try:
        with bulk_work():
            return _apply_claimed(plan, kind, actor)
    except Exception as error:
        db.session.rollback()
        message = str(error) if isinstance(error, ServiceError) else "The apply failed unexpectedly."
        db.session.execute(update(Plan).where(Plan.id == plan.id).values(status=PlanStatus.FAILED, message=message))
        db.session.commit()
        raise


def _not_applicable_message(plan: Plan) -> str:
    return {
        PlanStatus.APPLYING: f"Plan #{plan.id} is being applied right now.",
        PlanStatus.STALE: f"Plan #{plan.id} is stale: the data changed since its preview. "
        "Review the fresh preview instead.",
        PlanStatus.EXPIRED: f"Plan #{plan.id} expired before it was applied. Upload the file again.",
        PlanStatus.FAILED: f"Plan #{plan.id} failed and cannot be applied again. Plan it anew.",
    }.get(PlanStatus(plan.status), f"Plan #{plan.id} is {plan.status}.")


def _serialize_applies(plan: Plan) -> None:
    """Applies of plans over the same course (or the same course-less kind) run one at a time.

    Taken before the recompute, so a second plan sees what the first wrote and turns stale instead of
    colliding. PostgreSQL: a transaction-scoped advisory lock; SQLite: the database write lock.
    """
    scope = f"course:{plan.course_id}" if plan.course_id else f"kind:{plan.kind}"
    if db.session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.blake2b(scope.encode(), digest_size=8).digest(), "big", signed=True)
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        db.session.execute(update(Plan).where(Plan.id == plan.id).values(status=PlanStatus.APPLYING))


def _apply_claimed(plan: Plan, kind: PlanKind, actor: User | None) -> ApplyResult:
    _serialize_applies(plan)
    ctx = PlanContext(actor=actor, course=plan.course, params=dict(plan.params), now=utcnow(), plan=plan)
    # The recompute reads only what deciding needs, streamed; each row's previewed (action, key) is kept as
    # one 64-bit hash, and the rows to write are streamed afterwards in batches, so a 100,000-row plan is
    # never held in memory twice.
    items: list[Item] = []
    expected = array("q")
    result = db.session.execute(
        select(PLAN_ROWS.c.row_number, PLAN_ROWS.c.cells, PLAN_ROWS.c.data, PLAN_ROWS.c.action, PLAN_ROWS.c.key)
        .where(PLAN_ROWS.c.plan_id == plan.id)
        .order_by(PLAN_ROWS.c.id)
    )
    for r in result:
        items.append(Item(r.row_number, r.cells, r.data))
        expected.append(hash((r.action, r.key)))
    fresh = list(kind.decide(ctx, items))
    changed = sum(
        1 for previewed, d in zip(expected, fresh, strict=True) if previewed != hash((str(d.action), d.key[:255]))
    )
    if changed:
        return _mark_stale(plan, kind, items, fresh, ctx, actor, changed)
    del fresh, items, expected  # the recompute agreed with the preview

    batches = _write_batches(plan.id)
    if kind.atomic:
        applied, failed = _apply_atomic(kind, ctx, batches)
    else:
        applied, failed = _apply_in_savepoints(kind, ctx, batches)
    plan.status = PlanStatus.APPLIED
    plan.applied_by_id = actor.id if actor else None
    plan.applied = ctx.now
    plan.outcome_counts = {RowOutcome.APPLIED.value: applied, RowOutcome.FAILED.value: failed}
    audit.record(
        "plan.apply",
        actor,
        plan_id=plan.id,
        course_key=plan.course.key if plan.course else "",
        summary=f"Applied {kind.title} plan #{plan.id}: {applied} written, {failed} failed",
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


def _mark_stale(
    plan: Plan,
    kind: PlanKind,
    items: list[Item],
    fresh: list[Decision],
    ctx: PlanContext,
    actor: User | None,
    changed: int,
) -> ApplyResult:
    new_ctx = PlanContext(actor=actor, course=plan.course, params=dict(plan.params), now=ctx.now)
    fresh_plan = _persist(kind, items, fresh, new_ctx, source_name=plan.source_name, reverts_id=plan.reverts_id)
    plan.status = PlanStatus.STALE
    plan.superseded_by_id = fresh_plan.id
    plan.message = (
        f"{changed} row(s) would now do something else than the preview showed; "
        f"nothing was written. Review plan #{fresh_plan.id}."
    )
    audit.record(
        "plan.stale",
        actor,
        plan_id=plan.id,
        course_key=plan.course.key if plan.course else "",
        summary=f"{kind.title} plan #{plan.id} was stale ({changed} rows changed); fresh preview #{fresh_plan.id}",
        detail={"kind": kind.name, "changed": changed, "fresh_plan": fresh_plan.id},
    )
    db.session.commit()
    return ApplyResult(plan, PlanStatus.STALE, fresh_plan=fresh_plan, changed_rows=changed)


def _write_batches(plan_id: int) -> Iterator[list[Any]]:
    """The plan's rows that write, in plan order, APPLY_BATCH at a time: their ids first (small), then each
    batch by primary key, so no cursor stays open across the savepoints of the writes."""
    ids = db.session.scalars(
        select(PLAN_ROWS.c.id)
        .where(PLAN_ROWS.c.plan_id == plan_id, PLAN_ROWS.c.action.in_([str(a) for a in WRITE_ACTIONS]))
        .order_by(PLAN_ROWS.c.id)
    ).all()
    columns = [PLAN_ROWS.c[name] for name in APPLY_COLUMNS]
    for start in range(0, len(ids), APPLY_BATCH):
        yield db.session.execute(
            select(*columns).where(PLAN_ROWS.c.id.in_(ids[start : start + APPLY_BATCH])).order_by(PLAN_ROWS.c.id)
        ).all()


def _row_error_message(error: Exception) -> str:
    if isinstance(error, ServiceError):
        return str(error)
    if isinstance(error, IntegrityError):
        return "conflicts with a record written meanwhile (a uniqueness rule of the database)"
    return "the database refused this row"


def _apply_in_savepoints(kind: PlanKind, ctx: PlanContext, batches: Iterable[list[Any]]) -> tuple[int, int]:
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
    _store_outcomes(ctx.plan.id, applied, failed)
    return len(applied), len(failed)


def _apply_atomic(kind: PlanKind, ctx: PlanContext, batches: Iterable[list[Any]]) -> tuple[int, int]:
    """All rows or none: one failure rolls everything back and fails the plan with the reason."""
    applied: list[int] = []
    try:
        with db.session.begin_nested():
            for batch in batches:
                kind.apply(ctx, batch)
                db.session.flush()
                applied += [r.id for r in batch]
    except (ServiceError, SQLAlchemyError) as error:
        raise ServiceError(f"Nothing was written: {_row_error_message(error)}.") from error
    _store_outcomes(ctx.plan.id, applied, [])
    return len(applied), 0


def _store_outcomes(plan_id: int, applied: list[int], failed: list[tuple[int, str]]) -> None:
    """Every write row is marked applied in one statement; the (rare) failed rows then one by one."""
    if applied:
        db.session.execute(
            update(PLAN_ROWS)
            .where(PLAN_ROWS.c.plan_id == plan_id, PLAN_ROWS.c.action.in_([str(a) for a in WRITE_ACTIONS]))
            .values(outcome=RowOutcome.APPLIED.value, outcome_message="")
        )
    for row_id, message in failed:
        db.session.execute(
            update(PLAN_ROWS)
            .where(PLAN_ROWS.c.id == row_id)
            .values(outcome=RowOutcome.FAILED.value, outcome_message=message)
        )


def _outcome_totals(plan: Plan) -> dict[str, int]:
    counts = plan.outcome_counts or {}
    return {"applied": int(counts.get("applied", 0)), "failed": int(counts.get("failed", 0))}


# ------------------------------------------------------------------------------------------- revert


def revert_plan(plan_id: int, actor: User | None) -> Plan:
    """Plan the inverse of an applied plan (previewed like any other; nothing written yet)."""
    plan = get_plan(plan_id, actor)
    kind = get_kind(plan.kind)
    if plan.status != PlanStatus.APPLIED:
        raise Conflict(f"Only an applied plan can be reverted; plan #{plan.id} is {plan.status}.")
    rows = list(
        db.session.scalars(
            select(PlanRow)
            .where(PlanRow.plan_id == plan.id, PlanRow.outcome == RowOutcome.APPLIED)
            .order_by(PlanRow.row_number)
        )
    )
    ctx = PlanContext(actor=actor, course=plan.course, params=dict(plan.params), now=utcnow(), plan=plan)
    inverse = kind.inverse(ctx, rows)
    if inverse is None:
        raise Conflict(f"A {kind.title} plan cannot be reverted.")
    if not inverse.items:
        raise Conflict(f"Plan #{plan.id} wrote nothing, so there is nothing to revert.")
    return create_plan(
        inverse.kind,
        inverse.items,
        actor=actor,
        course=plan.course,
        params=inverse.params,
        source_name=f"revert of plan #{plan.id}",
        reverts_id=plan.id,
    )


def expire_plans(now: datetime | None = None) -> int:
    """Mark every previewed plan past its expiry as expired; returns how many."""
    result = db.session.execute(
        update(Plan)
        .where(Plan.status == PlanStatus.PREVIEWED, Plan.expires < (now or utcnow()))
        .values(status=PlanStatus.EXPIRED)
    )
    db.session.commit()
    return result.rowcount or 0


# ------------------------------------------------------------------------------------------- reading


def rows_page(
    plan: Plan, *, action: str | None = None, errors_first: bool = False, page: int = 1, per_page: int = 50
) -> Page:
    """One page of a plan's rows, optionally one action only, optionally errors and failures first."""
    query = select(PlanRow).where(PlanRow.plan_id == plan.id)
    if action == "failed":
        query = query.where(PlanRow.outcome == RowOutcome.FAILED)
    elif action:
        query = query.where(PlanRow.action == Action(action))
    if errors_first:
        query = query.order_by(
            case((PlanRow.action == Action.ERROR, 0), (PlanRow.outcome == RowOutcome.FAILED, 0), else_=1)
        )
    return paginate(query.order_by(PlanRow.row_number, PlanRow.id), page, per_page)


def stale_changes(plan: Plan, limit: int = 100) -> list[tuple[PlanRow, PlanRow]]:
    """For a stale plan: (previewed row, fresh row) pairs whose action changed."""
    if not plan.superseded_by_id:
        return []
    fresh = aliased(PlanRow)
    query = (
        select(PlanRow, fresh)
        .join(fresh, (fresh.row_number == PlanRow.row_number) & (fresh.plan_id == plan.superseded_by_id))
        .where(PlanRow.plan_id == plan.id, PlanRow.action != fresh.action)
        .order_by(PlanRow.row_number)
        .limit(limit)
    )
    return [(old, new) for old, new in db.session.execute(query)]


def report_rows(plan: Plan) -> Iterator[PlanRow]:
    """Rows that need attention: errors, skipped duplicates and similar, and rows that failed to apply."""
    query = (
        select(PlanRow)
        .where(
            PlanRow.plan_id == plan.id,
            ((PlanRow.action.in_([Action.ERROR, Action.SKIP])) & PlanRow.code.not_in(REPORT_CODES_SKIPPED))
            | (PlanRow.outcome == RowOutcome.FAILED),
        )
        .order_by(PlanRow.row_number)
        .execution_options(yield_per=1000)
    )
    yield from db.session.scalars(query)


def error_report(plan: Plan) -> tuple[list[str], Iterator[list[str]]]:
    """Header and rows of the error report: the input columns, then row, code, message."""
    columns = list(get_kind(plan.kind).input_columns)

    def rows() -> Iterator[list[str]]:
        for row in report_rows(plan):
            cells = [str(c) for c in row.cells]
            if len(cells) > len(columns) and columns:
                cells = [*cells[: len(columns) - 1], ",".join(cells[len(columns) - 1 :])]
            cells += [""] * (len(columns) - len(cells))
            failed = row.outcome == RowOutcome.FAILED
            yield [
                *cells,
                str(row.row_number),
                "apply_failed" if failed else row.code,
                row.outcome_message if failed else row.message,
            ]

    return [*columns, "row", "code", "message"], rows()


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan as the CLI prints it (design §7): counts of every action, and every error or skip row."""
    rows = db.session.scalars(
        select(PlanRow)
        .where(PlanRow.plan_id == plan.id, PlanRow.action.in_([Action.ERROR, Action.SKIP]))
        .order_by(PlanRow.row_number)
    )
    result: dict[str, Any] = {
        "plan_id": plan.id,
        "kind": plan.kind,
        "status": plan.status,
        "counts": {str(a): plan.count(a) for a in ACTION_ORDER},
        "rows": [
            {"row": r.row_number, "key": r.label or r.key, "action": r.action, "code": r.code, "message": r.message}
            for r in rows
        ],
    }
    if plan.status == PlanStatus.APPLIED:
        result["outcomes"] = _outcome_totals(plan)
    if plan.superseded_by_id:
        result["fresh_plan_id"] = plan.superseded_by_id
    return result


def history_page(*, actor: User | None, course: Course | None, page: int = 1, per_page: int = 50) -> Page:
    """Plans of one course (course staff) or of all courses (global staff), newest first."""
    query = (
        select(Plan)
        .options(joinedload(Plan.course), joinedload(Plan.created_by))
        .order_by(Plan.created.desc(), Plan.id.desc())
    )
    if course is not None:
        permissions.require_course(actor, course.key)
        query = query.where(Plan.course_id == course.id)
    else:
        permissions.require_global_staff(actor)
    return paginate(query, page, per_page)
