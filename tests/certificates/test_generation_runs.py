"""Generating certificates (domain §1.7): "All Learners" / "For exceptions" runs and "Regenerate" as plans
(preview per learner, then apply), the generation history on the certificates tab, and the CLI command."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from tests.builders import allow, enroll, invalidate, make_certificate, make_user
from tests.certificates.helpers import COURSE_A, plan_id_of, rows_of, world_with_learners
from webapp.extensions import db
from webapp.models import Certificate, Enrollment, Plan, User
from webapp.models.enterprise import GradeRecord

BASE = f"/courses/{COURSE_A}/certificates"


def _grade(user, percent: float, passed: bool) -> None:
    db.session.add(GradeRecord(user_id=user.id, course_key=COURSE_A, percent=percent, passed=passed))


def _world() -> dict:
    """ann passes (verified), bob fails, cat audits and passes, dan has no grade, eve is allowlisted and
    failing, fay is invalidated, gus already holds a downloadable certificate."""
    w = world_with_learners(7)
    _grade(w["ann"], 0.9, True)
    _grade(w["bob"], 0.4, False)
    db.session.scalar(select(Enrollment).where(Enrollment.user_id == w["cat"].id)).mode = "audit"
    _grade(w["cat"], 0.8, True)
    _grade(w["eve"], 0.2, False)
    allow(w["eve"], w["course_a"], notes="appeal")
    _grade(w["fay"], 0.95, True)
    invalidate(make_certificate(w["fay"], w["course_a"]), notes="copied")
    _grade(w["gus"], 0.5, False)
    make_certificate(w["gus"], w["course_a"], "downloadable", grade=0.85)
    db.session.commit()
    return w


def _statuses() -> dict[str, tuple[str, float | None]]:
    db.session.expire_all()
    return {
        u: (s, g)
        for u, s, g in db.session.execute(
            select(User.username, Certificate.status, Certificate.grade).join(
                Certificate, Certificate.user_id == User.id
            )
        )
    }


def test_all_learners_run_previews_each_learner_then_applies(client):
    _world()
    client.login("instructor")
    plan_id = plan_id_of(client.post(f"{BASE}/generate", data={"scope": "all"}))
    rows = {r.label: (r.action, r.code, r.message) for r in rows_of(plan_id).values()}
    assert {k: v[:2] for k, v in rows.items()} == {
        "ann": ("create", ""),
        "bob": ("create", ""),
        "cat": ("create", ""),
        "dan": ("skip", "no_grade_yet"),
        "eve": ("create", ""),
        "fay": ("skip", "has_certificate"),
        "gus": ("skip", "has_certificate"),
    }
    effects = {r.label: r.effects for r in rows_of(plan_id).values()}
    assert rows["ann"][2] == rows["bob"][2] == rows["cat"][2] == "from the grade record"
    assert rows["eve"][2] == "certificate exception (grade ignored)"
    assert effects["ann"] == [{"kind": "certificate_issued", "message": "certificate issued as Received (grade 0.9)"}]
    assert effects["bob"][0]["message"] == "certificate issued as Not Received (grade 0.4)"
    assert effects["cat"][0]["message"] == "certificate issued as Audit - Passing (grade 0.8)"
    assert effects["eve"][0]["message"] == "certificate issued as Received (grade 0.2)"
    assert effects["dan"] is None and effects["fay"] is None  # skipped rows have no side effect
    assert rows["dan"][2] == "no grade yet"
    assert set(_statuses()) == {"fay", "gus"}  # the preview wrote nothing
    client.post(f"/plans/{plan_id}/apply")
    statuses = _statuses()
    assert statuses["ann"] == ("downloadable", 0.9) and statuses["bob"] == ("notpassing", 0.4)
    assert statuses["cat"] == ("audit_passing", 0.8) and statuses["eve"] == ("downloadable", 0.2)
    assert "dan" not in statuses and statuses["fay"][0] == "unavailable"


def test_regenerate_and_for_exceptions_runs(client):
    _world()
    client.login("instructor")
    plan_id = plan_id_of(client.post(f"{BASE}/generate", data={"scope": "all", "regenerate": "y"}))
    rows = {r.label: (r.action, r.code, r.message) for r in rows_of(plan_id).values()}
    gus = next(r for r in rows_of(plan_id).values() if r.label == "gus")
    assert rows["gus"][:2] == ("update", "")
    assert gus.effects == [
        {"kind": "certificate_issued", "message": "certificate Received becomes Not Received (grade 0.5)"}
    ]
    assert rows["fay"][:2] == ("skip", "invalidated")
    assert rows["ann"][:2] == ("skip", "no_certificate")
    client.post(f"/plans/{plan_id}/apply")
    assert _statuses()["gus"] == ("notpassing", 0.5)
    exceptions_id = plan_id_of(client.post(f"{BASE}/generate", data={"scope": "exceptions"}))
    assert {r.label: r.action for r in rows_of(exceptions_id).values()} == {"eve": "create"}


def test_history_on_the_certificates_tab(client):
    _world()
    client.login("instructor")
    first = plan_id_of(client.post(f"{BASE}/generate", data={"scope": "all"}))
    client.post(f"/plans/{first}/apply")
    second = plan_id_of(client.post(f"{BASE}/generate", data={"scope": "exceptions", "regenerate": "y"}))
    client.post(f"/plans/{second}/apply")
    unapplied = plan_id_of(client.post(f"{BASE}/generate", data={"scope": "all"}))
    soup = client.soup(f"{BASE}/")
    table = soup.select_one("#generation-history")
    lines = [[td.get_text(" ", strip=True) for td in tr.find_all("td")][1:] for tr in table.select("tbody tr")]
    assert lines == [
        ["instructor", "For exceptions", "Regenerated", "0", "0", "1", "0", f"Plan #{second}"],
        ["instructor", "All Learners", "Generated", "4", "0", "0", "3", f"Plan #{first}"],
    ]
    assert table.find("a", href=f"/plans/{first}") and not table.find("a", href=f"/plans/{unapplied}")


def test_cli_generate_dry_run_then_apply(runner):
    _world()
    base = ["certificates", "generate", "--course", COURSE_A, "--scope", "all", "--as", "instructor"]
    result = runner.invoke(args=[*base, "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "previewed" and data["kind"] == "certificates.generate_all"
    assert data["counts"]["create"] == 4 and data["counts"]["skip"] == 3
    assert set(_statuses()) == {"fay", "gus"}
    result = runner.invoke(args=base)
    assert result.exit_code == 0, result.output
    assert "written 4, failed 0" in result.output
    assert _statuses()["ann"] == ("downloadable", 0.9)
    result = runner.invoke(args=["certificates", "generate", "--course", COURSE_A, "--scope", "some", "--as", "staff"])
    assert result.exit_code == 2


def test_learner_without_enrollment_is_skipped_in_the_exceptions_run(client):
    w = world_with_learners(1)
    stranger = make_user("stranger")
    allow(stranger, w["course_a"])
    enroll(make_user("inactive"), w["course_a"], is_active=False)
    db.session.commit()
    client.login("staff")
    plan_id = plan_id_of(client.post(f"{BASE}/generate", data={"scope": "exceptions"}))
    assert [(r.label, r.action, r.message) for r in rows_of(plan_id).values()] == [("stranger", "skip", "not enrolled")]


def test_generation_is_refused_while_the_global_switch_is_off(client, app):
    _world()
    client.login("instructor")
    app.config["CERTIFICATES_GENERATION_ENABLED"] = False
    try:
        response = client.post(f"{BASE}/generate", data={"scope": "all"}, follow_redirects=True)
    finally:
        app.config["CERTIFICATES_GENERATION_ENABLED"] = True
    assert "Certificate generation is off for the whole platform" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Plan.id))) == 0


def test_for_exceptions_run_issues_to_allowlisted_learners_holding_a_certificate_that_is_not_downloadable(client):
    w = world_with_learners(2)
    _grade(w["ann"], 0.3, False)
    make_certificate(w["ann"], w["course_a"], "notpassing", grade=0.3)
    allow(w["ann"], w["course_a"], notes="appeal granted")
    db.session.commit()
    client.login("instructor")
    plan_id = plan_id_of(client.post(f"{BASE}/generate", data={"scope": "exceptions"}))
    assert [(r.label, r.action) for r in rows_of(plan_id).values()] == [("ann", "update")]
    client.post(f"/plans/{plan_id}/apply")
    assert _statuses()["ann"] == ("downloadable", 0.3)


def test_large_runs_read_the_course_once_with_the_same_results(app, client, monkeypatch):
    """Generation reads its learners' state as exceptions do: course-wide from CERTIFICATES_COURSE_WIDE_FROM
    learners on."""
    monkeypatch.setitem(app.config, "CERTIFICATES_COURSE_WIDE_FROM", 1)
    test_all_learners_run_previews_each_learner_then_applies(client)


def test_apply_reads_the_learners_state_once_over_its_batches(app):
    """Issue 15: the apply writes in batches (5 rows in tests) but reads the learners' grades once, in the
    recompute (one course-wide read: the tests read course-wide from 4 learners), not again per batch; creates
    and updates are both written."""
    from sqlalchemy import event

    from webapp.services import plans
    from webapp.services.certificates.generation_runs import plan_generation

    w = world_with_learners(1)
    learners = [w["ann"]] + [make_user(f"learner{i:02d}") for i in range(11)]
    for i, learner in enumerate(learners):
        if learner is not w["ann"]:
            enroll(learner, w["course_a"])
        _grade(learner, 0.5 + i / 100, i % 3 != 0)
    make_certificate(learners[4], w["course_a"], "error", grade=None)  # not held: updated, not created
    db.session.commit()
    plan = plan_generation(w["staff"], COURSE_A, "all")
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = plans.apply_plan(plan.id, w["staff"])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert (result.status, result.applied, result.failed) == ("applied", 12, 0)
    assert sum("FROM grade_records" in s for s in seen) == 1
    statuses = _statuses()
    assert statuses["learner03"] == ("downloadable", 0.54)  # was error: updated
    assert statuses["ann"] == ("notpassing", 0.5)
    assert statuses["learner00"] == ("downloadable", 0.51)
    assert len(statuses) == 12
