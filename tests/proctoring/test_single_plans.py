"""Second review and single attempt reset as one-row plans through the one single-row path (issue 12 #4):
the confirmation states the consequence before anything is written, the POST writes a one-row plan with its
side effects, and a row that cannot be written is refused, never reported as done."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.proctoring.builders import RESET_COURSE as COURSE
from tests.proctoring.builders import reset_world
from tests.proctoring.test_reset import _attempt, _credit
from tests.refusing_database import database_refuses
from webapp.extensions import db
from webapp.models import AuditEvent, Plan, PlanRow
from webapp.models.proctoring import Review, ReviewHistory
from webapp.statuses import EffectKind


@pytest.fixture
def world(app):
    return reset_world()


def _plans(kind: str) -> list[Plan]:
    db.session.expire_all()
    return list(db.session.scalars(select(Plan).where(Plan.kind == kind)))


def _review_form(client, code: str):
    return client.soup(f"/proctoring/reviews/{code}").find("form", action=f"/proctoring/reviews/{code}/second-review")


def test_second_review_confirmation_states_the_consequence_and_writes_nothing(client, world):
    b = world["b"]
    client.login("cs")
    form = _review_form(client, b.attempt_code)
    assert form["method"].lower() == "get"  # choosing a decision only leads to the confirmation
    page = client.soup(
        f"/proctoring/reviews/{b.attempt_code}/second-review?decision=suspicious&note=Second+person+seen"
    )
    consequence = page.select_one("#consequence").get_text(" ", strip=True)
    assert "The attempt becomes rejected; the credit requirement becomes failed" in consequence
    confirm = page.find("form", method="post", action=f"/proctoring/reviews/{b.attempt_code}/second-review")
    assert confirm["action"] == f"/proctoring/reviews/{b.attempt_code}/second-review"
    assert confirm.find("input", {"name": "csrf_token"}) is not None
    assert confirm.find("input", {"name": "decision"})["value"] == "suspicious"
    note = confirm.find("textarea", {"name": "note"})
    assert note.get_text() == "Second person seen" and page.find("label", attrs={"for": note["id"]})
    assert confirm.find("button", type="submit") is not None
    # nothing written by the confirmation
    assert _attempt(b.attempt_code).status == "second_review_required"
    assert db.session.scalar(select(func.count(ReviewHistory.id))) == 0
    assert _plans("proctoring_second_review") == []


def test_second_review_is_a_one_row_plan_with_the_credit_effect(client, world):
    b = world["b"]
    client.login("cs")
    response = client.post(
        f"/proctoring/reviews/{b.attempt_code}/second-review",
        data={"decision": "suspicious", "note": "Second person seen"},
        follow_redirects=True,
    )
    assert "moved from Second review required to Rejected" in response.get_data(as_text=True)
    assert _attempt(b.attempt_code).status == "rejected" and _credit(b) == "failed"
    (plan,) = _plans("proctoring_second_review")
    assert plan.status == "applied" and plan.outcome_counts.get("applied") == 1
    (row,) = db.session.scalars(select(PlanRow).where(PlanRow.plan_id == plan.id))
    assert row.key == b.attempt_code
    assert row.before["attempt_status"] == "second_review_required" and row.before["credit_status"] is None
    assert row.after == {"review_status": "Suspicious", "attempt_status": "rejected", "credit_status": "failed"}
    assert row.effects == [{"kind": EffectKind.CREDIT_STATUS.value, "message": "credit requirement becomes failed"}]
    assert plan.effect_count(EffectKind.CREDIT_STATUS) == 1
    review = db.session.scalar(select(Review).where(Review.attempt_code == b.attempt_code))
    assert review.decided_at is not None and review.staff_note == "Second person seen"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "proctoring.second_review"))
    assert event.detail["decision"] == "suspicious" and event.detail["attempt_to"] == "rejected"


@pytest.mark.parametrize("where", ["confirmation", "post"])
def test_second_review_with_a_nul_in_the_note_is_refused_naming_the_field(client, world, where):
    b = world["b"]
    client.login("cs")
    url = f"/proctoring/reviews/{b.attempt_code}/second-review"
    if where == "confirmation":
        response = client.get(url, query_string={"decision": "passed", "note": "ok\x00"})
    else:
        response = client.post(url, data={"decision": "passed", "note": "ok\x00"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    where = "parameter" if where == "confirmation" else "field"
    assert f"The “note” {where} contains a NUL character" in text and "Second review recorded" not in text
    assert _attempt(b.attempt_code).status == "second_review_required"
    assert [p.status for p in _plans("proctoring_second_review")] == []


def test_single_reset_is_a_one_row_plan_with_its_effects(client, world):
    a = world["a"]
    client.login("cs")
    response = client.post(f"/courses/{COURSE}/proctoring/attempts/{a.attempt_code}/reset", follow_redirects=True)
    assert "Attempt reset (plan #" in response.get_data(as_text=True)
    (plan,) = _plans("proctoring_reset")
    assert plan.status == "applied" and plan.source_name == "single attempt reset"
    (row,) = db.session.scalars(select(PlanRow).where(PlanRow.plan_id == plan.id))
    assert [e["kind"] for e in row.effects] == [EffectKind.ATTEMPT_ARCHIVED.value, EffectKind.CREDIT_STATUS.value]
    assert "credit requirement status satisfied is removed" in row.effects[1]["message"]
    assert plan.effect_count(EffectKind.ATTEMPT_ARCHIVED) == 1
    assert _attempt(a.attempt_code).archived is not None and _credit(a) is None


def test_single_reset_without_credit_status_has_no_credit_effect(client, world):
    b = world["b"]  # second_review_required: no credit requirement status yet
    client.login("cs")
    client.post(f"/courses/{COURSE}/proctoring/attempts/{b.attempt_code}/reset")
    (plan,) = _plans("proctoring_reset")
    (row,) = db.session.scalars(select(PlanRow).where(PlanRow.plan_id == plan.id))
    assert [e["kind"] for e in row.effects] == [EffectKind.ATTEMPT_ARCHIVED.value]


def test_cli_single_reset_reports_the_plan_of_the_one_path(runner, world):
    a = world["a"]
    result = runner.invoke(
        args=[
            "proctoring",
            "reset-attempt",
            "--course",
            COURSE,
            "--exam",
            a.exam.content_id,
            "--learner",
            "ada",
            "--as",
            "cs",
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    (plan,) = _plans("proctoring_reset")
    assert f'"plan_id": {plan.id}' in result.output
    assert db.session.scalar(select(PlanRow.effects).where(PlanRow.plan_id == plan.id))[0]["kind"] == "attempt_archived"


def test_a_second_review_the_database_refuses_is_refused_not_reported_done(client, world):
    b = world["b"]
    client.login("cs")
    with database_refuses("proctoring_review_history", "INSERT"):
        response = client.post(
            f"/proctoring/reviews/{b.attempt_code}/second-review", data={"decision": "suspicious", "note": "x"}
        )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "nothing was written" in text and "Second review recorded" not in text
    assert _attempt(b.attempt_code).status == "second_review_required" and _credit(b) is None
    (plan,) = _plans("proctoring_second_review")
    assert plan.outcome_counts.get("failed") == 1 and not plan.outcome_counts.get("applied")


def test_a_reset_csv_row_with_a_nul_is_a_row_error(client, world):
    client.login("cs")
    content = f"ada,{world['a'].exam.content_id}\nbob\x00,{world['b'].exam.content_id}\n".encode()
    response = client.post(
        f"/courses/{COURSE}/proctoring/reset",
        data={"file": (io.BytesIO(content), "reset.csv"), "encoding": "utf-8"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    (plan,) = _plans("proctoring_reset")
    rows = {r.row_number: r for r in db.session.scalars(select(PlanRow).where(PlanRow.plan_id == plan.id))}
    assert (rows[1].action, rows[2].action, rows[2].code) == ("deactivate", "error", "bad_text")
    assert "username_or_email contains a NUL character" in rows[2].message


def test_the_second_review_plan_page_states_the_row_and_its_effect(client, world):
    b = world["b"]
    client.login("cs")
    client.post(f"/proctoring/reviews/{b.attempt_code}/second-review", data={"decision": "suspicious", "note": ""})
    (plan,) = _plans("proctoring_second_review")
    text = client.soup(f"/plans/{plan.id}").get_text(" ", strip=True)
    assert "credit requirement becomes failed" in text and b.attempt_code in text
