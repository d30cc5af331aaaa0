"""The plan engine: every bulk change is planned, previewed, then applied once (design §1).

A capability plugs in a `PlanKind` (`kinds`); the engine owns everything else: persistence and bulk row
storage (`storage`), the life cycle (`lifecycle`: create, read, revert, expire; `applying`: the once-only
claim, the stale check, savepoints, outcomes, audit; `leases`: the claim's lease and the recovery of a dead
worker's claim), single-row actions (`single`) and the read side (`reading`: plan page, stale diff,
history; `reports`: the error report, the skipped rows and the CLI's JSON). Import the names from here.
"""

from webapp.services.plans.applying import ApplyResult, apply_plan, plan_is
from webapp.services.plans.kinds import (
    KINDS,
    Decision,
    Effect,
    InversePlan,
    Item,
    ItemSource,
    NotApplicable,
    Payload,
    PlanContext,
    PlanKind,
    Row,
    get_kind,
    register,
)
from webapp.services.plans.leases import Recovery, recover_expired
from webapp.services.plans.lifecycle import create_plan, expire_plans, get_plan, is_due, revert_plan
from webapp.services.plans.reading import (
    PlanPage,
    Tab,
    history_page,
    parse_effect,
    plan_page,
    rows_page,
    stale_changes,
)
from webapp.services.plans.reports import error_report, plan_json, report_rows
from webapp.services.plans.single import SingleResult, decide_single, run_single
from webapp.services.plans.storage import APPLY_BATCH, INSERT_BATCH, bulk_work

__all__ = [
    "APPLY_BATCH",
    "INSERT_BATCH",
    "KINDS",
    "ApplyResult",
    "Decision",
    "Effect",
    "InversePlan",
    "Item",
    "ItemSource",
    "NotApplicable",
    "Payload",
    "PlanContext",
    "PlanKind",
    "PlanPage",
    "Recovery",
    "Row",
    "SingleResult",
    "Tab",
    "apply_plan",
    "bulk_work",
    "create_plan",
    "decide_single",
    "error_report",
    "expire_plans",
    "get_kind",
    "get_plan",
    "history_page",
    "is_due",
    "parse_effect",
    "plan_is",
    "plan_json",
    "plan_page",
    "recover_expired",
    "register",
    "report_rows",
    "revert_plan",
    "rows_page",
    "run_single",
    "stale_changes",
]
