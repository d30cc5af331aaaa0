"""The read side of plans: the plan page model, row pages, the stale diff and the history (the reports are in
`reports`). Nothing here writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import has_request_context
from flask_babel import gettext
from sqlalchemy import Text, case, cast, not_, or_, select
from sqlalchemy.orm import aliased, joinedload

from webapp.extensions import db
from webapp.i18n import format_number
from webapp.models import Course, Plan, PlanRow, User
from webapp.services import permissions
from webapp.services.messages import N_
from webapp.services.pagination import Page, clamp, paginate
from webapp.services.plans.kinds import PlanKind, get_kind
from webapp.services.plans.lifecycle import derive_expiry, get_plan
from webapp.services.plans.reports import skipped_count
from webapp.statuses import ACTION_ORDER, Action, EffectKind, PlanStatus, RowFilter, RowOutcome
from webapp.wording import plural

ROWS_PER_PAGE = 50
STALE_CHANGES_SHOWN = 100
# How the apply button and the result name each write action (the preview's words for what rows do); the
# page says them in the reader's language (a kind's own `action_labels` are lowercased and looked up too).
ACTION_VERBS = {
    Action.CREATE: N_("create"),
    Action.UPDATE: N_("update"),
    Action.DELETE: N_("remove"),
    Action.DEACTIVATE: N_("deactivate"),
}


def effect_phrase(kind: EffectKind, count: int, *, past: bool = False) -> str:
    """The side effect in words with its count, in the reader's language on a page: 'make 4 certificates
    unavailable' (the preview speaks in the future), 'made …' (the result, in the past)."""
    if past:
        return _effect_done(kind, count)
    if kind is EffectKind.CERTIFICATE_UNAVAILABLE:
        return plural(count, "make {n} certificate unavailable", "make {n} certificates unavailable")
    if kind is EffectKind.CERTIFICATE_ISSUED:
        return plural(count, "issue or change {n} certificate", "issue or change {n} certificates")
    if kind is EffectKind.CREDIT_STATUS:
        return plural(count, "change {n} credit requirement status", "change {n} credit requirement statuses")
    if kind is EffectKind.ACADEMY_DEACTIVATED:
        return plural(count, "deactivate {n} academy", "deactivate {n} academies")
    if kind is EffectKind.ATTEMPT_ARCHIVED:
        return plural(count, "archive {n} exam attempt", "archive {n} exam attempts")
    return plural(count, "notify support {n} time", "notify support {n} times")


def _effect_done(kind: EffectKind, count: int) -> str:
    if kind is EffectKind.CERTIFICATE_UNAVAILABLE:
        return plural(count, "made {n} certificate unavailable", "made {n} certificates unavailable")
    if kind is EffectKind.CERTIFICATE_ISSUED:
        return plural(count, "issued or changed {n} certificate", "issued or changed {n} certificates")
    if kind is EffectKind.CREDIT_STATUS:
        return plural(count, "changed {n} credit requirement status", "changed {n} credit requirement statuses")
    if kind is EffectKind.ACADEMY_DEACTIVATED:
        return plural(count, "deactivated {n} academy", "deactivated {n} academies")
    if kind is EffectKind.ATTEMPT_ARCHIVED:
        return plural(count, "archived {n} exam attempt", "archived {n} exam attempts")
    return plural(count, "notified support {n} time", "notified support {n} times")


def _count(count: int) -> str:
    """A count grouped the reader's way on a page ("2.000" in Spanish), "2,000" elsewhere."""
    return format_number(count) if has_request_context() else f"{count:,}"


def and_join(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c' (in the reader's language on a page)."""
    if len(parts) < 2:
        return parts[0] if parts else ""
    return gettext("%(first)s and %(last)s", first=", ".join(parts[:-1]), last=parts[-1])


def parse_effect(value: str | None) -> EffectKind | None:
    """The side-effect filter a query argument names; None (all rows) for a missing or unknown one."""
    try:
        return EffectKind(value) if value else None
    except ValueError:
        return None


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
    effect: EffectKind | None = None
    skipped_rows: int = 0  # rows of the skipped-rows download (superseded duplicates and other skips)
    can_change: bool = True  # whether the actor may apply or revert it (the page hides the buttons otherwise)

    @property
    def error_rows(self) -> int:
        """Rows of the error report: the error rows and the rows that failed to apply (never the skips)."""
        return self.plan.count(Action.ERROR) + self.plan.failed_count

    @property
    def effect_counts(self) -> list[tuple[EffectKind, int]]:
        """(side effect kind, count) of every side effect the plan has, in vocabulary order."""
        return [(k, self.plan.effect_count(k)) for k in EffectKind if self.plan.effect_count(k)]

    @property
    def effects_summary(self) -> str:
        """The side effects in words with counts, e.g. 'make 4 certificates unavailable' ('' when none)."""
        return and_join([effect_phrase(k, n) for k, n in self.effect_counts])

    @property
    def effects_done(self) -> str:
        """The side effects in the past tense, for the result page."""
        return and_join([effect_phrase(k, n, past=True) for k, n in self.effect_counts])

    @property
    def destructive(self) -> bool:
        """Whether applying deletes, deactivates or has a destructive side effect (styled as destructive)."""
        return bool(
            self.plan.count(Action.DELETE)
            or self.plan.count(Action.DEACTIVATE)
            or any(k.destructive for k, _ in self.effect_counts)
        )

    @property
    def apply_label(self) -> str:
        """The apply button, repeating the consequences: 'Apply: remove 3 exceptions and make 2
        certificates unavailable'."""
        return gettext(
            "Apply: %(what)s", what=and_join(self.write_phrases + [effect_phrase(k, n) for k, n in self.effect_counts])
        )

    def effect_links(self, url: Callable[..., str]) -> list[tuple[str, int | None, str, bool]]:
        """(label, count, url, active) of the side-effect filter: 'Any' then one per kind the plan has."""
        base = {"action": self.filter.value} if self.filter else {}
        links: list[tuple[str, int | None, str, bool]] = [(gettext("Any"), None, url(**base), self.effect is None)]
        links += [(gettext(k.label), n, url(**base, effect=k.value), self.effect == k) for k, n in self.effect_counts]
        return links

    @property
    def write_counts(self) -> list[tuple[Action, int]]:
        """(action, rows) of every write action the plan has, in display order."""
        return [(a, self.plan.count(a)) for a in ACTION_ORDER if a.writes and self.plan.count(a)]

    @property
    def write_phrases(self) -> list[str]:
        """Each write action with its count in words, e.g. ['remove 3 exceptions', 'update 1 exception'] (the
        verb and the kind's row noun, marked N_, in the reader's language on a page)."""
        one, many = self.kind.row_nouns
        return [
            f"{gettext(self._verb(a))} {_count(n)} {gettext(one if n == 1 else many)}" for a, n in self.write_counts
        ]

    def _verb(self, action: Action) -> str:
        own = self.kind.action_labels.get(action)
        return own.lower() if own else ACTION_VERBS.get(action, str(action))

    @property
    def apply_summary(self) -> str:
        """What applying will do to the rows' own targets, e.g. 'create 3 exceptions and update 1 exception'."""
        return and_join(self.write_phrases)

    def tab_links(self, url: Callable[..., str]) -> list[tuple[str, int, str, bool]]:
        """(label, count, url, active) of each tab, `url(**args)` building the link."""
        return [(gettext(t.label), t.count, url(**t.args(self.errors_first)), t.active) for t in self.tabs]


def plan_tabs(plan: Plan, active: RowFilter | None) -> list[Tab]:
    """'All', then one tab per action the plan has (display order), then the failed rows if any."""
    tabs = [Tab(N_("All"), plan.total, None, active is None)]
    kind = get_kind(plan.kind)
    tabs += [
        Tab(kind.action_label(a) if a in kind.action_labels else f.label, plan.count(a), f, active == f)
        for a in ACTION_ORDER
        if plan.count(a)
        for f in [RowFilter(a)]
    ]
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
    effect: EffectKind | None = None,
) -> PlanPage:
    """The plan page's model, if the actor may see the plan."""
    plan = get_plan(plan_id, actor)
    kind = get_kind(plan.kind)
    return PlanPage(
        plan=plan,
        kind=kind,
        can_change=kind.may_change(actor, plan.course),
        rows=rows_page(plan, filter=filter, errors_first=errors_first, page=page, per_page=per_page, effect=effect),
        effect=effect,
        skipped_rows=skipped_count(plan),
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
    effect: EffectKind | None = None,
) -> Page:
    """One page of a plan's rows, optionally one action (or the failed rows) only, optionally only the rows
    with one kind of side effect, optionally errors first."""
    query = select(PlanRow).where(PlanRow.plan_id == plan.id)
    if effect is not None:
        # effects are stored as JSON text (SQLite text, PostgreSQL json keeps it verbatim): the quoted kind
        # value appears only as a kind (messages never quote it); no per-dialect JSON operators needed
        query = query.where(PlanRow.effects.is_not(None), cast(PlanRow.effects, Text).like(f'%"{effect.value}"%'))
    if filter is RowFilter.FAILED:
        query = query.where(PlanRow.outcome == RowOutcome.FAILED)
    elif filter is not None:
        query = query.where(PlanRow.action == filter.action)
    if errors_first and filter is None and effect is None and (needs_attention := _needs_attention(plan)) is not None:
        return _errors_first_page(plan, needs_attention, page, per_page)
    if errors_first:
        query = query.order_by(
            case((PlanRow.action == Action.ERROR, 0), (PlanRow.outcome == RowOutcome.FAILED, 0), else_=1)
        )
    return paginate(query.order_by(PlanRow.row_number, PlanRow.id), page, per_page)


def _needs_attention(plan: Plan) -> int | None:
    """How many of the plan's rows "errors first" puts first: the error rows and the rows whose write failed,
    from its stored counts (as the error report counts them); None for a plan being applied or failed, whose
    row outcomes may not match its counts."""
    if plan.status in (PlanStatus.PREVIEWED, PlanStatus.STALE, PlanStatus.EXPIRED, PlanStatus.APPLIED):
        return plan.count(Action.ERROR) + plan.failed_count
    return None


def _errors_first_page(plan: Plan, needs_attention: int, page: int, per_page: int) -> Page:
    """A page of the whole plan, the rows that need attention first, each part in row order: each part is read
    in the order of the plan's row index with its own offset, instead of sorting every row of the plan for
    each page (100,000 rows: the sort alone took about 45 ms)."""
    total = sum((plan.counts or {}).values())
    page, per_page = clamp(total, page, per_page)
    offset = (page - 1) * per_page
    attention = or_(PlanRow.action == Action.ERROR, PlanRow.outcome == RowOutcome.FAILED)
    rows = select(PlanRow).where(PlanRow.plan_id == plan.id).order_by(PlanRow.row_number, PlanRow.id)
    items: list[PlanRow] = []
    if offset < needs_attention:
        items += db.session.scalars(rows.where(attention).offset(offset).limit(per_page))
    if len(items) < per_page:
        rest = rows.where(not_(attention)).offset(max(0, offset - needs_attention)).limit(per_page - len(items))
        items += db.session.scalars(rest)
    return Page(items, page, per_page, total)


def stale_changes(plan: Plan, limit: int = STALE_CHANGES_SHOWN) -> list[tuple[PlanRow, PlanRow]]:
    """For a stale plan: (previewed row, fresh row) pairs whose action, target, before values or side effects
    changed (the stale check's terms; JSON compared as stored text, written by the same serialiser)."""
    if not plan.superseded_by_id:
        return []
    fresh = aliased(PlanRow)
    query = (
        select(PlanRow, fresh)
        .join(fresh, (fresh.row_number == PlanRow.row_number) & (fresh.plan_id == plan.superseded_by_id))
        .where(
            PlanRow.plan_id == plan.id,
            (PlanRow.action != fresh.action)
            | (PlanRow.key != fresh.key)
            | cast(PlanRow.before, Text).is_distinct_from(cast(fresh.before, Text))
            | cast(PlanRow.effects, Text).is_distinct_from(cast(fresh.effects, Text)),
        )
        .order_by(PlanRow.row_number)
        .limit(limit)
    )
    return [(old, new) for old, new in db.session.execute(query)]


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
