"""Plans: every bulk change is persisted as a plan of rows before anything is written."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import Model
from webapp.models.courses import Course
from webapp.models.people import User
from webapp.statuses import ACTION_ORDER, WRITE_ACTIONS, PlanStatus
from webapp.timeutil import utcnow


class Plan(Model):
    """One bulk operation: its kind, inputs' parameters, counts per action and life-cycle status."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PlanStatus.PREVIEWED)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    params: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    source_name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    counts: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    # side effects by EffectKind value -> how many rows' effects of that kind (kinds with none left out)
    effect_counts: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    outcome_counts: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    expires: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    applied: Mapped[datetime | None] = mapped_column(DateTime)
    # an `applying` plan's claim lasts until then; past it, a dead worker's claim is recovered (design §1 step 3)
    lease_expires: Mapped[datetime | None] = mapped_column(DateTime)
    reverts_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")

    course: Mapped[Course | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    applied_by: Mapped[User | None] = relationship(foreign_keys=[applied_by_id])
    # the plans that revert this one (derived from their reverts_id: the link is stored once)
    revert_plans: Mapped[list[Plan]] = relationship(foreign_keys=[reverts_id], viewonly=True, order_by=lambda: Plan.id)

    @property
    def reverted_by(self) -> Plan | None:
        """The applied plan that reverted this one (a plan is reverted at most once), if any."""
        return next((p for p in self.revert_plans if p.status == PlanStatus.APPLIED), None)

    @property
    def revert_in_preview(self) -> Plan | None:
        """The newest revert of this plan that is previewed and not yet due, if any."""
        now = utcnow()
        previewed = [p for p in self.revert_plans if p.status == PlanStatus.PREVIEWED and p.expires >= now]
        return previewed[-1] if previewed else None

    def count(self, action: str) -> int:
        return int((self.counts or {}).get(str(action), 0))

    @property
    def total(self) -> int:
        return sum(self.count(a) for a in ACTION_ORDER)

    @property
    def applied_count(self) -> int:
        return int((self.outcome_counts or {}).get("applied", 0))

    @property
    def failed_count(self) -> int:
        return int((self.outcome_counts or {}).get("failed", 0))

    def effect_count(self, kind: str) -> int:
        return int((self.effect_counts or {}).get(str(kind), 0))

    @property
    def write_count(self) -> int:
        return sum(self.count(a) for a in WRITE_ACTIONS)


class PlanRow(Model):
    """One input row of a plan: what was written, what it resolved to, and what will (or did) happen."""

    __tablename__ = "plan_rows"
    __table_args__ = (
        Index("ix_plan_rows_plan_action", "plan_id", "action", "row_number"),  # a preview tab (one action)
        Index("ix_plan_rows_plan_row", "plan_id", "row_number", "id"),  # the whole preview, in row order
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), nullable=False)
    row_number: Mapped[int] = mapped_column(Integer, nullable=False)
    cells: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    key: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    label: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    code: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    before: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    after: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    # side effects beyond the row's own target: [{"kind": EffectKind value, "message": ...}], None when none
    effects: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    outcome: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    outcome_message: Mapped[str] = mapped_column(Text, nullable=False, default="")

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, old, new) for every field whose value differs between before and after."""
        before, after = self.before or {}, self.after or {}

        def shown(value: object) -> object:
            return "" if value is None else value  # missing and empty read the same to staff

        return [(f, before.get(f), after.get(f)) for f in after if shown(before.get(f)) != shown(after.get(f))]
