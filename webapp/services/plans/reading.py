"""The read side of plans: the plan page model, row pages, the stale diff, the error report, the CLI's
JSON and the history. Nothing here writes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import aliased, joinedload

from webapp.extensions import db
from webapp.models import Course, Plan, PlanRow, User
from webapp.services import permissions
from webapp.services.pagination import Page, paginate
from webapp.services.plans.kinds import PlanKind, get_kind
from webapp.services.plans.lifecycle import derive_expiry, get_plan
from webapp.services.plans.storage import outcome_totals
from webapp.statuses import ACTION_ORDER, Action, PlanStatus, RowFilter, RowOutcome

REPORT_CODES_SKIPPED = frozenset({"blank_row"})
ROWS_PER_PAGE = 50
STALE_CHANGES_SHOWN = 100


@dataclass(frozen=True, slots=True)
class Tab:
    """One row tab of the plan page: its label, how many rows, the filter it sets, whether it is shown."""

    label: str
    count: int
    filter: RowFilter | None
    active: bool

    def args(self, errors_first: bool) -> dict[str, Any]:
        """Query arguments of the tab's link (the 'All' tab keeps the errors-first order)."""
        if self.filter is None:
            return {"errors_first": 1} if errors_first else {}
        return {"action": self.filter.value}


@dataclass
class PlanPage:
    """Everything the plan page shows: the plan, its kind, one page of rows, tabs and the stale diff."""

    plan: Plan
    kind: PlanKind
    rows: Page
    filter: RowFilter | None
    errors_first: bool
    tabs: list[Tab]
    changes: list[tuple[PlanRow, PlanRow]] = field(default_factory=list)

    @property
    def write_counts(self) -> list[tuple[Action, int]]:
        """(action, rows) of every write action the plan has, in display order."""
        return [(a, self.plan.count(a)) for a in ACTION_ORDER if a.writes and self.plan.count(a)]

    @property
    def apply_summary(self) -> str:
        """What applying will do, e.g. 'create 3, update 1'."""
        return ", ".join(f"{action} {count}" for action, count in self.write_counts)

    def tab_links(self, url: Callable[..., str]) -> list[tuple[str, int, str, bool]]:
        """(label, count, url, active) of each tab, `url(**args)` building the link."""
        return [(t.label, t.count, url(**t.args(self.errors_first)), t.active) for t in self.tabs]


def plan_tabs(plan: Plan, active: RowFilter | None) -> list[Tab]:
    """'All', then one tab per action the plan has (display order), then the failed rows if any."""
    tabs = [Tab("All", plan.total, None, active is None)]
    tabs += [Tab(f.label, plan.count(a), f, active == f) for a in ACTION_ORDER if plan.count(a) for f in [RowFilter(a)]]
    if plan.failed_count:
        tabs.append(Tab(RowFilter.FAILED.label, plan.failed_count, RowFilter.FAILED, active == RowFilter.FAILED))
    return tabs


def plan_page(
    plan_id: int,
    actor: User | None,
    *,
    filter: RowFilter | None = None,
    errors_first: bool = False,
    page: int = 1,
    per_page: int = ROWS_PER_PAGE,
) -> PlanPage:
    """The plan page's model, if the actor may see the plan."""
    plan = get_plan(plan_id, actor)
    return PlanPage(
        plan=plan,
        kind=get_kind(plan.kind),
        rows=rows_page(plan, filter=filter, errors_first=errors_first, page=page, per_page=per_page),
        filter=filter,
        errors_first=errors_first,
        tabs=plan_tabs(plan, filter),
        changes=stale_changes(plan) if plan.status == PlanStatus.STALE else [],
    )


def rows_page(
    plan: Plan,
    *,
    filter: RowFilter | None = None,
    errors_first: bool = False,
    page: int = 1,
    per_page: int = ROWS_PER_PAGE,
) -> Page:
    """One page of a plan's rows, optionally one action (or the failed rows) only, optionally errors first."""
    query = select(PlanRow).where(PlanRow.plan_id == plan.id)
    if filter is RowFilter.FAILED:
        query = query.where(PlanRow.outcome == RowOutcome.FAILED)
    elif filter is not None:
        query = query.where(PlanRow.action == filter.action)
    if errors_first:
        query = query.order_by(
            case((PlanRow.action == Action.ERROR, 0), (PlanRow.outcome == RowOutcome.FAILED, 0), else_=1)
        )
    return paginate(query.order_by(PlanRow.row_number, PlanRow.id), page, per_page)


def stale_changes(plan: Plan, limit: int = STALE_CHANGES_SHOWN) -> list[tuple[PlanRow, PlanRow]]:
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
        result["outcomes"] = outcome_totals(plan)
    if plan.superseded_by_id:
        result["fresh_plan_id"] = plan.superseded_by_id
    return result


def history_page(*, actor: User, course: Course | None, page: int = 1, per_page: int = ROWS_PER_PAGE) -> Page:
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
    result = paginate(query, page, per_page)
    for plan in result.items:
        derive_expiry(plan)
    return result
