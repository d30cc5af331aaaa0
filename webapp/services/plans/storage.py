"""Bulk storage of plan rows: driver-level inserts, streamed reads for the apply, outcomes, the GC pause.

Plans of 100,000 rows are written and read with Core statements (no per-row ORM bookkeeping) in batches.
"""

from __future__ import annotations

import gc
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from flask import current_app, has_app_context
from sqlalchemy import Row, Select, bindparam, select, update

from webapp.extensions import db
from webapp.models import Plan, PlanRow
from webapp.services.plans.kinds import Decision, Effect, Item, PlanContext, PlanKind
from webapp.statuses import ACTION_ORDER, WRITE_ACTIONS, EffectKind, PlanStatus, RowOutcome

INSERT_BATCH = 2000  # default of PLAN_INSERT_BATCH: rows per executemany
PLAN_ROWS = PlanRow.__table__  # Core statements: no per-row ORM bookkeeping for 100,000-row plans
# What a kind's apply() may read of a row (messages and outcomes are for people, not for writing).
APPLY_COLUMNS = ("id", "row_number", "cells", "data", "key", "label", "action", "before")
APPLY_BATCH = 2000  # default of PLAN_APPLY_BATCH: rows per savepoint; a failing batch is replayed row by row
ROW_COLUMNS = (
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
    "effects",
    "outcome",
    "outcome_message",
)
WRITE_ACTION_VALUES = [str(a) for a in WRITE_ACTIONS]


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


def persist(
    kind: PlanKind,
    items: Sequence[Item],
    decisions: Sequence[Decision],
    ctx: PlanContext,
    *,
    source_name: str,
    reverts_id: int | None,
) -> Plan:
    """Store a previewed plan and one row per item (flushed, not committed)."""
    plan = new_plan(kind, ctx, source_name=source_name, reverts_id=reverts_id)
    tally = Tally()
    store_batch(plan, kind, items, decisions, tally)
    tally.count_on(plan)
    return plan


def new_plan(kind: PlanKind, ctx: PlanContext, *, source_name: str, reverts_id: int | None) -> Plan:
    """A previewed plan with no rows yet and zero counts (flushed, so it has its id): `store_batch` adds rows."""
    ttl = timedelta(hours=current_app.config.get("PLAN_TTL_HOURS", 24))
    plan = Plan(
        kind=kind.name,
        status=PlanStatus.PREVIEWED,
        course_id=ctx.course.id if ctx.course else None,
        params=ctx.params,
        source_name=source_name[:255],
        counts={str(a): 0 for a in ACTION_ORDER},
        effect_counts={},
        created_by_id=ctx.actor_id,
        created=ctx.now,
        expires=ctx.now + ttl,
        reverts_id=reverts_id,
    )
    db.session.add(plan)
    db.session.flush()
    return plan


class Tally:
    """The counts of a plan stored batch by batch: rows per action and side effects per kind."""

    def __init__(self) -> None:
        self.actions: Counter[str] = Counter()
        self.effects: Counter[str] = Counter()
        self.rows = 0

    def add(self, decisions: Sequence[Decision]) -> None:
        self.rows += len(decisions)
        self.actions.update(str(d.action) for d in decisions)
        self.effects.update(str(e.kind) for d in decisions for e in d.effects)

    def count_on(self, plan: Plan) -> None:
        plan.counts = {str(a): self.actions.get(str(a), 0) for a in ACTION_ORDER}
        plan.effect_counts = {str(k): self.effects[str(k)] for k in EffectKind if self.effects[str(k)]}
        db.session.flush()


def store_batch(plan: Plan, kind: PlanKind, items: Sequence[Item], decisions: Sequence[Decision], tally: Tally) -> None:
    """Store one batch of a plan's rows (one per item) and count its decisions in `tally`."""
    if len(items) != len(decisions):
        raise RuntimeError(f"{kind.name}.decide returned {len(decisions)} decisions for {len(items)} items")
    tally.add(decisions)
    insert_rows(_row_values(plan.id, items, decisions))


def _row_values(plan_id: int, items: Sequence[Item], decisions: Sequence[Decision]) -> Iterator[tuple[Any, ...]]:
    """Each item's row as a tuple in ROW_COLUMNS order, JSON already serialised, as `insert_rows` takes them
    (generated, never all held)."""
    effects_json: dict[tuple[Effect, ...], str] = {}  # rows sharing their side effects serialise them once
    for item, d in zip(items, decisions, strict=True):
        if d.effects:
            effects = d.effects if isinstance(d.effects, tuple) else tuple(d.effects)
            if (stored_effects := effects_json.get(effects)) is None:
                stored_effects = effects_json[effects] = _json([e.to_data() for e in effects])
        else:
            stored_effects = None
        yield (
            plan_id,
            item.row,
            _json(item.cells),
            _json(item.data) if item.data else EMPTY_OBJECT,
            d.key[:255],
            d.label[:255],
            str(d.action),
            d.code,
            d.message,
            None if d.before is None else _json(d.before),
            None if d.after is None else _json(d.after),
            stored_effects,
            "",
            "",
        )


EMPTY_OBJECT = "{}"  # the stored `data` of an uploaded row: its cells say everything


def batch_size(setting: str, default: int) -> int:
    """A batch size from the app config (tests shrink them so every run crosses every batch boundary)."""
    return int(current_app.config.get(setting, default)) if has_app_context() else default


def insert_rows(rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert plan rows (tuples in ROW_COLUMNS order, JSON serialised) in batches through the driver's
    executemany.

    SQLAlchemy's per-row parameter processing costs more than the insert itself at 100,000 rows; the
    statement is still SQLAlchemy's, compiled once for the dialect (SQLite and PostgreSQL alike).
    """
    connection = db.session.connection()
    compiled = PLAN_ROWS.insert().inline().compile(dialect=connection.dialect, column_keys=list(ROW_COLUMNS))
    order = compiled.positiontup if compiled.positional else None
    if order is not None and list(order) != list(ROW_COLUMNS):
        raise RuntimeError(f"unexpected parameter order {order}")
    size = batch_size("PLAN_INSERT_BATCH", INSERT_BATCH)
    batch: list[Any] = []
    for row in rows:
        batch.append(row if order is not None else dict(zip(ROW_COLUMNS, row, strict=True)))
        if len(batch) == size:
            connection.exec_driver_sql(compiled.string, batch)
            batch = []
    if batch:
        connection.exec_driver_sql(compiled.string, batch)


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


@dataclass(slots=True)
class PreviewedBatch:
    """Some of a plan's items as stored, with each row's previewed (action, key, before, effects) hash."""

    items: list[Item]
    hashes: array[int]

    def __len__(self) -> int:
        return len(self.items)


def previewed_batches(plan_id: int, size: int, *, hashed: bool = True) -> Iterator[PreviewedBatch]:
    """The plan's items again (for the recompute), in plan order, about `size` rows at a time, so memory stays
    bounded whatever the plan's size and no cursor stays open across batches.

    The row ids first (from the index), then each batch as a range of primary keys (rows of another plan
    stored in between are skipped: a range query on the plan's own index would read all its rows each time).
    Read through the driver (JSON parsed by orjson, and only where a value is stored), only what deciding and
    (`hashed`) the stale check need.
    """
    c = PLAN_ROWS.c
    ids = array("q", db.session.scalars(select(c.id).where(c.plan_id == plan_id).order_by(c.id)))
    columns = [c.plan_id, c.row_number, c.cells, c.data, *((c.action, c.key, c.before, c.effects) if hashed else ())]
    for start in range(0, len(ids), size):
        first, last = ids[start], ids[min(start + size, len(ids)) - 1]
        batch = PreviewedBatch([], array("q"))
        for row in driver_rows(select(*columns).where(c.id.between(first, last)).order_by(c.id)):
            if row[0] != plan_id:
                continue
            batch.items.append(Item(row[1], _loaded(row[2]), {} if row[3] in ("{}", {}) else _loaded(row[3])))
            if hashed:
                batch.hashes.append(row_hash(row[4], row[5], _loaded(row[6]), _loaded(row[7])))
        yield batch


def previewed_items(plan_id: int) -> tuple[list[Item], array[int]]:
    """All of the plan's items and their previewed hashes (`previewed_batches` in one list)."""
    items: list[Item] = []
    expected = array("q")
    for batch in previewed_batches(plan_id, APPLY_BATCH):
        items += batch.items
        expected.extend(batch.hashes)
    return items, expected


def driver_rows(statement: Select[Any]) -> Iterator[tuple[Any, ...]]:
    """The rows of a Core select as the driver returns them (no per-value result processing): JSON columns
    come as text on SQLite and parsed on PostgreSQL (see `_loaded`)."""
    connection = db.session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    params = compiled.construct_params()
    if compiled.positional:
        yield from connection.exec_driver_sql(compiled.string, tuple(params[n] for n in compiled.positiontup or ()))
    else:
        yield from connection.exec_driver_sql(compiled.string, params)


def _loaded(value: Any) -> Any:
    """A JSON column's value as read by `driver_rows`: text parsed by orjson, a parsed value as it is."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def decision_hash(d: Decision) -> int:
    """What the stale check compares per row (design §1.3): the action, the target, the before values and
    the side effects, as they would be stored."""
    return row_hash(str(d.action), d.key, d.before, d.effects_data())


def row_hash(action: str, key: str, before: dict[str, Any] | None, effects: list[Any] | None) -> int:
    """A 64-bit hash of a canonical serialisation of (action, key cut to 255, before, effects).

    orjson with sorted keys serialises the decision's values (dates included) exactly as it serialises what
    was stored and read back, so equal rows hash equal on SQLite and PostgreSQL alike.
    """
    canonical = orjson.dumps((str(action), key[:255], before, effects), option=CANONICAL)
    return hash(canonical)


CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def write_batches(plan_id: int) -> Iterator[Sequence[Row[Any]]]:
    """The plan's rows that write, in plan order, PLAN_APPLY_BATCH at a time: their ids first (small), then each
    batch by primary key, so no cursor stays open across the savepoints of the writes."""
    ids = db.session.scalars(
        select(PLAN_ROWS.c.id)
        .where(PLAN_ROWS.c.plan_id == plan_id, PLAN_ROWS.c.action.in_(WRITE_ACTION_VALUES))
        .order_by(PLAN_ROWS.c.id)
    ).all()
    columns = [PLAN_ROWS.c[name] for name in APPLY_COLUMNS]
    size = batch_size("PLAN_APPLY_BATCH", APPLY_BATCH)
    for start in range(0, len(ids), size):
        yield db.session.execute(
            select(*columns).where(PLAN_ROWS.c.id.in_(ids[start : start + size])).order_by(PLAN_ROWS.c.id)
        ).all()


def store_outcomes(plan_id: int, applied: Sequence[int], failed: Sequence[tuple[int, str]]) -> None:
    """Every write row is marked applied in one statement, then the failed rows in one executemany."""
    if applied:
        db.session.execute(
            update(PLAN_ROWS)
            .where(PLAN_ROWS.c.plan_id == plan_id, PLAN_ROWS.c.action.in_(WRITE_ACTION_VALUES))
            .values(outcome=RowOutcome.APPLIED.value, outcome_message="")
        )
    if failed:  # one executemany, not a statement per row
        db.session.execute(
            update(PLAN_ROWS)
            .where(PLAN_ROWS.c.id == bindparam("b_row_id"))
            .values(outcome=RowOutcome.FAILED.value, outcome_message=bindparam("b_message")),
            [{"b_row_id": row_id, "b_message": message} for row_id, message in failed],
        )


def outcome_totals(plan: Plan) -> dict[str, int]:
    counts = plan.outcome_counts or {}
    return {"applied": int(counts.get("applied", 0)), "failed": int(counts.get("failed", 0))}
