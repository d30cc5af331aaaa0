"""The plan life cycle through the exceptions kind: stale plans, double apply, revert, expiry."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.builders import allow, make_certificate
from tests.certificates.helpers import allowlist, plan, plan_id_of, rows_of, upload, world_with_learners
from webapp.extensions import db
from webapp.models import AuditEvent, Certificate, Invalidation, Plan
from webapp.services import plans
from webapp.statuses import PlanStatus
from webapp.timeutil import utcnow


def _apply(client, plan_id: int, **kwargs):
    return client.post(f"/plans/{plan_id}/apply", **kwargs)


def test_stale_plan_writes_nothing_and_offers_a_fresh_preview(client):
    w = world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann,a\nbob,b\n"))
    allow(w["bob"], w["course_a"], notes="b")  # someone else adds bob meanwhile: create -> unchanged
    db.session.commit()
    response = _apply(client, plan_id)
    fresh_id = plan_id_of(response)
    assert fresh_id != plan_id
    assert plan(plan_id).status == "stale"
    assert allowlist(w["course_a"]) == {"bob": "b"}  # ann was NOT written
    fresh = rows_of(fresh_id)
    assert fresh[1].action == "create" and fresh[2].action == "unchanged"
    page = client.soup(f"/plans/{plan_id}").get_text()
    assert "stale" in page and f"#{fresh_id}" in page
    _apply(client, fresh_id)
    assert allowlist(w["course_a"]) == {"ann": "a", "bob": "b"}


def test_stale_check_covers_every_batch_and_the_fresh_preview_keeps_duplicates_across_batches(client, app):
    """The recheck reads a batched plan back a batch at a time (PLAN_DECIDE_BATCH is 3 here): a change to a
    learner of the last batch makes the plan stale, and the fresh preview, planned again in batches, still
    knows that row 7 supersedes row 1, and every row's number."""
    assert app.config["PLAN_DECIDE_BATCH"] == 3
    w = world_with_learners(8)
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann,a\nbob,b\ncat,c\ndan,d\neve,e\nfay,f\nann,z\nhal,h\n"))
    allow(w["hal"], w["course_a"], notes="h")  # row 8, in the third batch: create -> unchanged
    db.session.commit()
    fresh_id = plan_id_of(_apply(client, plan_id))
    assert fresh_id != plan_id and plan(plan_id).status == "stale"
    assert allowlist(w["course_a"]) == {"hal": "h"}
    fresh = rows_of(fresh_id)
    assert sorted(fresh) == list(range(1, 9))
    assert (fresh[1].action, fresh[1].code) == ("skip", "duplicate_row")
    assert "row 7" in fresh[1].message
    assert [fresh[n].action for n in range(2, 9)] == ["create"] * 6 + ["unchanged"]
    assert fresh[7].cells == ["ann", "z"]


def test_double_apply_writes_once(client):
    w = world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann,a\n"))
    _apply(client, plan_id)
    second = _apply(client, plan_id, follow_redirects=True)
    assert "already applied" in second.data.decode()
    assert allowlist(w["course_a"]) == {"ann": "a"}
    applies = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.apply")).all()
    assert len(applies) == 1 and applies[0].actor_name == "staff"


def test_revert_of_import_is_previewed_then_applied(client):
    w = world_with_learners()
    allow(w["bob"], w["course_a"], notes="old")
    make_certificate(w["ann"], w["course_a"])
    db.session.commit()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann,new\nbob,changed\ncat,\n"))
    _apply(client, plan_id)
    assert allowlist(w["course_a"]) == {"ann": "new", "bob": "changed", "cat": ""}
    revert_id = plan_id_of(client.post(f"/plans/{plan_id}/revert"))
    assert allowlist(w["course_a"]) == {"ann": "new", "bob": "changed", "cat": ""}  # only previewed
    rows = {r.label.split()[0]: r for r in rows_of(revert_id).values()}
    assert rows["ann"].action == "delete" and rows["cat"].action == "delete"
    assert rows["bob"].action == "update" and rows["bob"].changes == [("notes", "changed", "old")]
    assert plan(revert_id).reverts_id == plan_id
    assert "is not touched" in rows["ann"].message  # she held her certificate before the import
    _apply(client, revert_id)
    assert allowlist(w["course_a"]) == {"bob": "old"}
    # the revert is an undo (domain §1.2 "Revert"): ann's earned certificate stays, no invalidation is written
    assert db.session.scalar(select(Invalidation)) is None
    assert db.session.scalar(select(Certificate.status).where(Certificate.user_id == w["ann"].id)) == "downloadable"


def test_unapplied_plan_expires(client, app):
    world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann\n"))
    db.session.get(Plan, plan_id).expires = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert plans.expire_plans() == 1
    db.session.get(Plan, plan_id).status = PlanStatus.PREVIEWED  # due again, not yet stored as expired
    db.session.commit()
    response = _apply(client, plan_id, follow_redirects=True)
    assert "expired before it was applied" in response.data.decode()
    assert plans.expire_plans() == 0  # refusing the apply stored the expiry
    assert allowlist(db.session.get(Plan, plan_id).course) == {}


def test_reading_a_plan_past_its_expiry_shows_it_expired_and_writes_nothing(client, app):
    world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann\n"))
    db.session.get(Plan, plan_id).expires = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.soup(f"/plans/{plan_id}")
    assert "Expired" in page.select_one(".plan-header").get_text()
    assert page.find("form", action=f"/plans/{plan_id}/apply") is None
    assert plans.expire_plans() == 1  # the page only read the plan: storing the expiry was still to do
    db.session.get(Plan, plan_id).status = PlanStatus.PREVIEWED  # due again, not yet stored as expired
    db.session.commit()
    response = _apply(client, plan_id, follow_redirects=True)
    assert "expired before it was applied" in response.data.decode()
    assert plans.expire_plans() == 0  # refusing the apply stored the expiry
    assert allowlist(db.session.get(Plan, plan_id).course) == {}


def test_plan_history_shows_a_plan_past_its_expiry_as_expired(client, app):
    world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann\n"))
    db.session.get(Plan, plan_id).expires = utcnow() - timedelta(minutes=1)
    db.session.commit()
    row = next(tr for tr in client.soup("/plans").select("tbody tr") if tr.find("a", string=f"#{plan_id}"))
    assert "Expired" in row.get_text(" ", strip=True)
    assert plans.expire_plans() == 1  # shown as expired, written by nothing but expire_plans
