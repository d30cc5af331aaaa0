"""Plan expiry at its boundary: `flask plans expire` (and `expire_plans`) expire exactly the previewed plans
past their expiry, and applying an expired plan stores the expiry of that plan only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.certificates.helpers import plan_id_of, upload, world_with_learners
from webapp.extensions import db
from webapp.models import Plan
from webapp.services import plans
from webapp.statuses import PlanStatus
from webapp.timeutil import utcnow


@pytest.fixture
def two_plans(client):
    world_with_learners()
    client.login("instructor")
    return plan_id_of(upload(client, b"ann,a\n")), plan_id_of(upload(client, b"bob,b\n"))


def _expires_in(plan_id: int, delta: timedelta) -> None:
    db.session.execute(update(Plan).where(Plan.id == plan_id).values(expires=utcnow() + delta))
    db.session.commit()


def _statuses(*ids: int) -> list[str]:
    db.session.expire_all()
    return [db.session.scalar(select(Plan.status).where(Plan.id == i)) for i in ids]


def test_plans_expire_expires_only_the_plans_past_their_expiry(runner, two_plans):
    old, fresh = two_plans
    _expires_in(old, timedelta(seconds=-1))
    result = runner.invoke(args=["plans", "expire"])
    assert (result.exit_code, result.output) == (0, "1 plan(s) expired.\n")
    assert _statuses(old, fresh) == [PlanStatus.EXPIRED, PlanStatus.PREVIEWED]


def test_a_plan_expiring_exactly_now_is_not_expired_yet(two_plans):
    first, second = two_plans
    expires = db.session.get(Plan, first).expires
    db.session.execute(update(Plan).where(Plan.id == second).values(expires=expires + timedelta(hours=1)))
    db.session.commit()
    assert plans.expire_plans(now=expires) == 0
    assert plans.expire_plans(now=expires + timedelta(microseconds=1)) == 1
    assert _statuses(first, second) == [PlanStatus.EXPIRED, PlanStatus.PREVIEWED]


def test_applying_an_expired_plan_stores_its_expiry_and_no_other_plans(runner, two_plans):
    first, second = two_plans
    _expires_in(first, timedelta(seconds=-1))
    _expires_in(second, timedelta(seconds=-1))
    result = runner.invoke(args=["plans", "apply", str(first), "--as", "instructor"])
    assert (result.exit_code, result.output) == (
        1,
        f"Error: Plan #{first} expired before it was applied. Upload the file again.\n",
    )
    assert _statuses(first, second) == [PlanStatus.EXPIRED, PlanStatus.PREVIEWED]
