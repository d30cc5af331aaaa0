"""Replay of provider payloads as a plan: upload -> preview (writes nothing) -> apply -> result; and the CLI."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from tests.builders import make_course, make_course_staff, make_user
from tests.proctoring.builders import make_attempt, make_exam, make_review, payload
from webapp.extensions import db
from webapp.models import Plan, PlanRow
from webapp.models.proctoring import CreditRequirementStatus, ExamAttempt, Review, SupportNotification


@pytest.fixture
def world(app):
    make_user("staff", is_staff=True)
    cs = make_user("course_staff")
    course = make_course("course-v1:edX+DemoX+Demo_Course")
    other = make_course("course-v1:MITx+6.00.1x+2026_Fall")
    make_course_staff(cs, course)
    exam = make_exam(course, name="Midterm")
    a1 = make_attempt(exam, make_user("alice"), "submitted", external_id="LOCA")
    a2 = make_attempt(exam, make_user("bob"), "submitted", external_id="LOCB")
    a3 = make_attempt(exam, make_user("carol"), "submitted", external_id="LOCC")
    a4 = make_attempt(make_exam(other), make_user("dave"), "submitted", external_id="LOCD")
    make_review(a3, "Clean")
    db.session.commit()
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4}


def _payloads(world) -> list[dict]:
    return [
        payload(code=world["a1"].attempt_code, locator="loca", status="Clean"),
        payload(code=world["a2"].attempt_code, locator="LOCB", status="Suspicious"),
        payload(code="DEADBEEF-0000-4000-8000-000000000000", locator="X", status="Clean"),
        payload(code=world["a4"].attempt_code, locator="WRONG", status="Clean"),
        {"reviewStatus": "Clean"},
    ]


def _state() -> tuple:
    return (
        db.session.scalar(select(func.count()).select_from(Review)),
        sorted(db.session.scalars(select(ExamAttempt.status))),
        db.session.scalar(select(func.count()).select_from(CreditRequirementStatus)),
        db.session.scalar(select(func.count()).select_from(SupportNotification)),
    )


def _upload(client, content: bytes, name: str = "backlog.json", url: str = "/proctoring/replay"):
    return client.post(url, data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def test_preview_writes_nothing_and_shows_each_payload(client, world):
    before = _state()
    client.login("staff")
    response = _upload(client, json.dumps(_payloads(world)).encode())
    assert response.status_code == 302 and "/plans/" in response.location
    assert _state() == before
    plan = db.session.scalar(select(Plan))
    assert plan.kind == "proctoring_replay" and plan.status == "previewed"
    rows = {r.row_number: r for r in db.session.scalars(select(PlanRow))}
    assert rows[1].action == "create"
    assert "attempt Submitted → Verified" in rows[1].message
    assert rows[1].effects == [{"kind": "credit_status", "message": "credit requirement status none → Satisfied"}]
    assert rows[2].after["attempt_status"] == "second_review_required"
    assert (rows[3].action, rows[3].code) == ("error", "unknown_attempt")
    assert (rows[4].action, rows[4].code) == ("error", "record_locator_mismatch")
    assert (rows[5].action, rows[5].code) == ("error", "invalid_payload")
    assert "examMetaData" in rows[5].message
    soup = client.soup(response.location)
    assert "Proctoring review replay" in soup.get_text()


def test_apply_stores_through_the_review_service(client, world):
    client.login("staff")
    response = _upload(client, json.dumps(_payloads(world)).encode())
    plan_id = int(response.location.rstrip("/").split("/")[-1])
    assert client.post(f"/plans/{plan_id}/apply").status_code == 302
    db.session.expire_all()
    assert db.session.get(ExamAttempt, world["a1"].id).status == "verified"
    assert db.session.get(ExamAttempt, world["a2"].id).status == "second_review_required"
    assert db.session.get(ExamAttempt, world["a4"].id).status == "submitted"
    assert db.session.scalar(select(func.count()).select_from(SupportNotification)) == 1
    assert db.session.get(Plan, plan_id).status == "applied"
    # replaying the same file again: every stored payload is unchanged
    again = _upload(client, json.dumps(_payloads(world)[:2]).encode())
    rows = db.session.scalars(select(PlanRow).where(PlanRow.plan_id == int(again.location.split("/")[-1]))).all()
    assert [r.action for r in rows] == ["unchanged", "unchanged"]


def test_json_lines_and_single_object_files(client, world):
    client.login("staff")
    lines = "\n".join(json.dumps(p) for p in _payloads(world)[:2]) + "\n\n{not json\n"
    response = _upload(client, lines.encode(), "backlog.jsonl")
    rows = db.session.scalars(select(PlanRow).order_by(PlanRow.row_number)).all()
    assert [(r.row_number, r.action) for r in rows] == [(1, "create"), (2, "create"), (4, "error")]
    assert "line 4" in rows[2].message
    assert response.status_code == 302
    single = _upload(client, json.dumps(_payloads(world)[0]).encode())
    assert single.status_code == 302


def test_unreadable_file_is_refused_with_the_form(client, world):
    client.login("staff")
    response = _upload(client, b"<html>nope</html>")
    assert response.status_code == 400
    assert "neither JSON nor JSON lines" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0


def test_duplicate_payloads_for_one_attempt_last_wins(client, world):
    client.login("staff")
    first = payload(code=world["a1"].attempt_code, locator="LOCA", status="Suspicious")
    last = payload(code=world["a1"].attempt_code, locator="LOCA", status="Clean")
    _upload(client, json.dumps([first, last]).encode())
    rows = db.session.scalars(select(PlanRow).order_by(PlanRow.row_number)).all()
    assert [(r.action, r.code) for r in rows] == [("skip", "duplicate_row"), ("create", "")]


def test_update_of_existing_review_and_refusal_when_updates_off(app, client, world, allow_review_updates):
    client.login("staff")
    data = json.dumps([payload(code=world["a3"].attempt_code, locator="LOCC", status="Suspicious")]).encode()
    _upload(client, data)
    assert db.session.scalar(select(PlanRow.action)) == "update"
    app.config["ALLOW_REVIEW_UPDATES"] = False
    try:
        _upload(client, data)
    finally:
        app.config["ALLOW_REVIEW_UPDATES"] = True
    row = db.session.scalars(select(PlanRow).order_by(PlanRow.id.desc())).first()
    assert (row.action, row.code) == ("error", "review_exists")


def test_course_replay_is_limited_to_the_course(client, world):
    client.login("course_staff")
    response = _upload(
        client, json.dumps(_payloads(world)).encode(), url="/courses/course-v1:edX+DemoX+Demo_Course/proctoring/replay"
    )
    assert response.status_code == 302
    rows = {r.row_number: r for r in db.session.scalars(select(PlanRow))}
    assert rows[1].action == "create"
    assert rows[4].code == "record_locator_mismatch"
    ok = payload(code=world["a4"].attempt_code, locator="LOCD")
    _upload(client, json.dumps([ok]).encode(), url="/courses/course-v1:edX+DemoX+Demo_Course/proctoring/replay")
    row = db.session.scalars(select(PlanRow).order_by(PlanRow.id.desc())).first()
    assert (row.action, row.code) == ("error", "other_course")
    # course staff may not replay across courses
    assert _upload(client, json.dumps([ok]).encode()).status_code == 403


# ---------------------------------------------------------------------------------------- CLI


def test_cli_ingest_dry_run_writes_nothing(runner, world, tmp_path):
    path = tmp_path / "backlog.json"
    path.write_text(json.dumps(_payloads(world)))
    before = _state()
    result = runner.invoke(args=["proctoring", "ingest", str(path), "--as", "staff", "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "previewed"
    assert data["counts"]["create"] == 2 and data["counts"]["error"] == 3
    assert {r["code"] for r in data["rows"]} == {"unknown_attempt", "record_locator_mismatch", "invalid_payload"}
    assert _state() == before


def test_cli_ingest_applies(runner, world, tmp_path):
    path = tmp_path / "backlog.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in _payloads(world)[:2]))
    result = runner.invoke(args=["proctoring", "ingest", str(path), "--as", "staff", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "applied" and data["outcomes"] == {"applied": 2, "failed": 0}
    db.session.expire_all()
    assert db.session.get(ExamAttempt, world["a1"].id).status == "verified"


def test_cli_ingest_refusals_exit_1(runner, world, tmp_path):
    path = tmp_path / "backlog.json"
    path.write_text("nope")
    assert runner.invoke(args=["proctoring", "ingest", str(path), "--as", "staff"]).exit_code == 1
    path.write_text(json.dumps(_payloads(world)))
    assert runner.invoke(args=["proctoring", "ingest", str(path), "--as", "course_staff"]).exit_code == 1
    assert runner.invoke(args=["proctoring", "ingest", str(tmp_path / "missing.json"), "--as", "staff"]).exit_code == 1
    assert runner.invoke(args=["proctoring", "ingest", str(path)]).exit_code == 2


def test_course_staff_see_and_apply_their_course_replay(client, world):
    client.login("course_staff")
    ok = payload(code=world["a1"].attempt_code, locator="LOCA", status="Clean")
    response = _upload(
        client, json.dumps([ok]).encode(), url="/courses/course-v1:edX+DemoX+Demo_Course/proctoring/replay"
    )
    assert response.status_code == 302
    plan_url = response.headers["Location"]
    assert "Proctoring review replay" in client.soup(plan_url).get_text()
    assert client.post(f"{plan_url}/apply").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Review.review_status).where(Review.attempt_id == world["a1"].id)) == "Clean"
