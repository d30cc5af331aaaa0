"""The plan's reports: the error report and the skipped rows (CSV that uploads again), and the JSON the
CLI prints (design §7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Plan, PlanRow
from webapp.services.plans.kinds import get_kind
from webapp.services.plans.storage import outcome_totals
from webapp.statuses import ACTION_ORDER, Action, EffectKind, PlanStatus, RowOutcome

REPORT_CODES_SKIPPED = frozenset({"blank_row"})  # skips nobody needs to fix or upload again


def report_rows(plan: Plan, *, skipped: bool = False) -> Iterator[PlanRow]:
    """The error report's rows: errors and rows that failed to apply (exactly what the page counts as
    errors). With `skipped`, the other list: skipped rows such as superseded duplicates (blank rows left out)."""
    if skipped:
        wanted = (PlanRow.action == Action.SKIP) & PlanRow.code.not_in(REPORT_CODES_SKIPPED)
    else:
        wanted = (PlanRow.action == Action.ERROR) | (PlanRow.outcome == RowOutcome.FAILED)
    query = (
        select(PlanRow)
        .where(PlanRow.plan_id == plan.id, wanted)
        .order_by(PlanRow.row_number)
        .execution_options(yield_per=1000)  # pragma: no mutate - batch size of the fetch, not what is read
    )
    yield from db.session.scalars(query)


def skipped_count(plan: Plan) -> int:
    """How many rows the skipped-rows download lists (one count on the plan's action index)."""
    if not plan.count(Action.SKIP):
        return 0
    query = select(func.count()).where(
        PlanRow.plan_id == plan.id, PlanRow.action == Action.SKIP, PlanRow.code.not_in(REPORT_CODES_SKIPPED)
    )
    return int(db.session.scalar(query) or 0)


def error_report(plan: Plan, *, skipped: bool = False) -> tuple[list[str], Iterator[list[str]]]:
    """Header and rows of the error report (or of the skipped rows): the input columns, then row, code,
    message, so either uploads again as it is."""
    columns = list(get_kind(plan.kind).input_columns)

    def rows() -> Iterator[list[str]]:
        for row in report_rows(plan, skipped=skipped):
            cells = [str(c) for c in row.cells]
            # pragma below: the join changes nothing unless the row is wider, so the guard only saves work
            if len(cells) > len(columns) and columns:  # pragma: no mutate
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
        "effects": {str(k): plan.effect_count(k) for k in EffectKind if plan.effect_count(k)},
        "rows": [
            {"row": r.row_number, "key": r.label or r.key, "action": r.action, "code": r.code, "message": r.message}
            for r in rows
        ],
    }
    if plan.status == PlanStatus.APPLIED:
        result["outcomes"] = outcome_totals(plan)
    if plan.superseded_by_id:
        result["fresh_plan_id"] = plan.superseded_by_id
    return result
