"""Applying a plan that cannot be applied: the exact refusal staff read for each status, through the
command line; applying an applied plan again reports what the first apply wrote."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from tests.certificates.helpers import plan_id_of, upload, world_with_learners
from webapp.extensions import db
from webapp.models import Plan, User
from webapp.services import plans
from webapp.statuses import PlanStatus


@pytest.fixture
def plan_id(client):
    world_with_learners()
    client.login("instructor")
    return plan_id_of(upload(client, b"ann,late\nbob,late\nnobody,x\n"))


def _set_status(plan_id: int, status: PlanStatus) -> None:
    db.session.execute(update(Plan).where(Plan.id == plan_id).values(status=status))
    db.session.commit()


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (
            PlanStatus.STALE,
            "Plan #{id} is stale: the data changed since its preview. Review the fresh preview instead.",
        ),
        (PlanStatus.EXPIRED, "Plan #{id} expired before it was applied. Upload the file again."),
        (PlanStatus.FAILED, "Plan #{id} failed and cannot be applied again. Plan it anew."),
    ],
)
def test_the_cli_refuses_a_plan_that_is_not_previewed_with_its_exact_reason(runner, plan_id, status, message):
    _set_status(plan_id, status)
    result = runner.invoke(args=["plans", "apply", str(plan_id), "--as", "instructor"])
    assert result.exit_code == 1
    assert result.output == f"Error: {message.format(id=plan_id)}\n"


def test_applying_an_applied_plan_again_reports_what_the_first_apply_wrote(plan_id):
    instructor = db.session.query(User).filter_by(username="instructor").one()
    first = plans.apply_plan(plan_id, instructor)
    assert (first.status, first.applied, first.failed, first.already) == (PlanStatus.APPLIED, 2, 0, False)
    again = plans.apply_plan(plan_id, instructor)
    assert (again.plan.id, again.status, again.applied, again.failed, again.already) == (
        plan_id,
        PlanStatus.APPLIED,
        2,
        0,
        True,
    )


def test_plan_is_names_the_status_in_english(plan_id):
    assert plans.plan_is(db.session.get(Plan, plan_id)) == f"Plan #{plan_id} is previewed."
