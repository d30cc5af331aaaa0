"""A plan left `applying` by a dead worker is recovered once its lease expires (issue 12 point 5): lazily
when its page is opened or it is applied, and by `flask plans recover`. (The real kill: test_killed_apply.)"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, update

from tests.certificates.helpers import allowlist, plan_id_of, upload, world_with_learners
from webapp.extensions import db
from webapp.models import AuditEvent, Plan, PlanRow
from webapp.statuses import PlanStatus
from webapp.timeutil import utcnow


def _stuck_plan(client, *, lease_left: timedelta) -> tuple[dict, int]:
    """A previewed import, then the state a worker killed mid-apply leaves (claim committed, nothing else)."""
    w = world_with_learners()
    client.login("instructor")
    plan_id = plan_id_of(upload(client, b"ann,late\nbob,late\ncat,late\n"))
    db.session.execute(
        update(Plan).where(Plan.id == plan_id).values(status=PlanStatus.APPLYING, lease_expires=utcnow() + lease_left)
    )
    db.session.commit()
    return w, plan_id


def _status(plan_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Plan, plan_id).status


def _buttons(soup) -> list[str]:
    return [b.get_text(" ", strip=True) for b in soup.select("button")]


def test_a_live_lease_is_left_alone(client, runner):
    _, plan_id = _stuck_plan(client, lease_left=timedelta(minutes=5))
    page = client.soup(f"/plans/{plan_id}")
    assert not [b for b in _buttons(page) if b.startswith("Apply")]
    assert "This plan is being applied right now. If its worker stopped, it can be applied again after" in (
        page.get_text(" ", strip=True)
    )
    response = client.post(f"/plans/{plan_id}/apply", follow_redirects=True)
    assert "is being applied right now" in response.get_data(as_text=True)
    result = runner.invoke(args=["plans", "recover", "--json"])
    assert result.exit_code == 0 and json.loads(result.output) == {"recovered": []}
    assert _status(plan_id) == PlanStatus.APPLYING


def test_opening_a_plan_whose_lease_expired_offers_apply_again_and_the_apply_writes_once(client):
    w, plan_id = _stuck_plan(client, lease_left=timedelta(seconds=-1))
    page = client.soup(f"/plans/{plan_id}")
    assert "Apply: create 3 exceptions" in _buttons(page)
    assert _status(plan_id) == PlanStatus.PREVIEWED
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.recover"))
    assert event is not None and event.plan_id == plan_id and "nothing had been written" in event.summary
    response = client.post(f"/plans/{plan_id}/apply", follow_redirects=True)
    assert "Applied: 3 changes written, 0 failed." in response.get_data(as_text=True)
    assert allowlist(w["course_a"]) == {"ann": "late", "bob": "late", "cat": "late"}
    assert _status(plan_id) == PlanStatus.APPLIED


def test_applying_a_plan_whose_lease_expired_recovers_it_first(client):
    w, plan_id = _stuck_plan(client, lease_left=timedelta(seconds=-1))
    response = client.post(f"/plans/{plan_id}/apply", follow_redirects=True)
    assert "Applied: 3 changes written" in response.get_data(as_text=True)
    assert allowlist(w["course_a"]) == {"ann": "late", "bob": "late", "cat": "late"}


def test_plans_recover_prints_what_it_recovered(client, runner):
    _, plan_id = _stuck_plan(client, lease_left=timedelta(seconds=-1))
    result = runner.invoke(args=["plans", "recover"])
    assert result.exit_code == 0, result.output
    assert f"Plan #{plan_id} (certificate_exceptions) previewed again: nothing had been written" in result.output
    assert "1 plan recovered." in result.output
    assert _status(plan_id) == PlanStatus.PREVIEWED
    again = runner.invoke(args=["plans", "recover", "--json"])
    assert json.loads(again.output) == {"recovered": []}
    applied = runner.invoke(args=["plans", "apply", str(plan_id), "--as", "instructor", "--json"])
    assert applied.exit_code == 0 and json.loads(applied.output)["status"] == "applied"


def test_a_recovered_plan_with_committed_rows_is_failed_with_what_was_written(client, runner):
    _, plan_id = _stuck_plan(client, lease_left=timedelta(seconds=-1))
    first = db.session.scalar(select(PlanRow.id).where(PlanRow.plan_id == plan_id).order_by(PlanRow.id))
    db.session.execute(update(PlanRow).where(PlanRow.id == first).values(outcome="applied"))
    db.session.commit()
    result = runner.invoke(args=["plans", "recover", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["recovered"] == [
        {"plan_id": plan_id, "kind": "certificate_exceptions", "status": "failed", "written": 1, "failed": 0}
    ]
    page = client.soup(f"/plans/{plan_id}").get_text(" ", strip=True)
    assert "stopped after 1 row was written" in page
    assert not [b for b in _buttons(client.soup(f"/plans/{plan_id}")) if b.startswith("Apply")]


def _mark(plan_id: int, outcomes: list[str]) -> None:
    """Give the plan's first rows these outcomes, as a worker that committed some batches leaves them."""
    ids = db.session.scalars(select(PlanRow.id).where(PlanRow.plan_id == plan_id).order_by(PlanRow.id)).all()
    for row_id, outcome in zip(ids, outcomes, strict=False):
        db.session.execute(update(PlanRow).where(PlanRow.id == row_id).values(outcome=outcome))
    db.session.commit()


def test_recovery_counts_each_plans_own_rows_and_stores_exact_messages_and_audit(client, runner):
    w, first = _stuck_plan(client, lease_left=timedelta(seconds=-1))
    second = plan_id_of(upload(client, b"dan\neve\n"))
    live = plan_id_of(upload(client, b"ann,other\n"))
    db.session.execute(update(Plan).where(Plan.id == second).values(status=PlanStatus.APPLYING, lease_expires=None))
    db.session.execute(
        update(Plan)
        .where(Plan.id == live)
        .values(status=PlanStatus.APPLYING, lease_expires=utcnow() + timedelta(hours=1))
    )
    db.session.commit()
    _mark(first, ["applied", "applied", "failed"])
    _mark(live, ["applied"])
    result = runner.invoke(args=["plans", "recover", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["recovered"] == [
        {"plan_id": first, "kind": "certificate_exceptions", "status": "failed", "written": 2, "failed": 1},
        {"plan_id": second, "kind": "certificate_exceptions", "status": "previewed", "written": 0, "failed": 0},
    ]
    db.session.expire_all()
    plans = {p: db.session.get(Plan, p) for p in (first, second, live)}
    assert (plans[first].status, plans[first].lease_expires) == (PlanStatus.FAILED, None)
    stopped = (
        "The worker applying this plan stopped after 2 rows were written (1 failed); the other rows were not. "
        "Plan the rest anew."
    )
    assert plans[first].message == stopped
    assert plans[first].outcome_counts == {"applied": 2, "failed": 1}
    assert (plans[second].status, plans[second].message, plans[second].lease_expires) == (
        PlanStatus.PREVIEWED,
        "",
        None,
    )
    assert plans[live].status == PlanStatus.APPLYING and plans[live].lease_expires is not None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.recover").order_by(AuditEvent.id))
    assert [(e.plan_id, e.actor_id, e.course_key, e.summary, e.detail) for e in events] == [
        (
            first,
            None,
            w["course_a"].key,
            f"Recovered plan #{first} after its apply lease expired: {stopped}",
            {"plan_id": first, "kind": "certificate_exceptions", "status": "failed", "written": 2, "failed": 1},
        ),
        (
            second,
            None,
            w["course_a"].key,
            f"Recovered plan #{second} after its apply lease expired: nothing had been written; it can be applied "
            "again",
            {"plan_id": second, "kind": "certificate_exceptions", "status": "previewed", "written": 0, "failed": 0},
        ),
    ]


def test_one_row_written_reads_in_the_singular_and_the_page_records_who_recovered(client, runner):
    w, plan_id = _stuck_plan(client, lease_left=timedelta(seconds=-1))
    _mark(plan_id, ["applied", "failed", "failed"])
    client.soup(f"/plans/{plan_id}")  # opening the page recovers it, as the instructor
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    assert plan.message == (
        "The worker applying this plan stopped after 1 row was written (2 failed); the other rows were not. "
        "Plan the rest anew."
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.recover"))
    assert (event.actor_id, event.summary) == (
        w["instructor"].id,
        f"Recovered plan #{plan_id} after its apply lease expired: {plan.message}",
    )
