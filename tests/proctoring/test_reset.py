"""Attempt reset (domain §2.2): single from the attempts list and the review page (confirmation, then a
CSRF POST), bulk from a CSV as a plan, the CLI; archived attempts and later callbacks."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from tests.proctoring.builders import (
    FINAL,
    MIDTERM,
    RESET_COURSE,
    make_attempt,
    payload,
    post_signed,
    reset_world,
)
from webapp.extensions import db
from webapp.models import AuditEvent, Plan, PlanRow
from webapp.models.proctoring import CreditRequirementStatus, ExamAttempt, Review, SupportNotification

COURSE = RESET_COURSE


@pytest.fixture
def world(app):
    return reset_world()


def _attempt(code: str) -> ExamAttempt:
    db.session.expire_all()
    return db.session.scalar(select(ExamAttempt).where(ExamAttempt.attempt_code == code))


def _credit(attempt: ExamAttempt) -> str | None:
    return db.session.scalar(
        select(CreditRequirementStatus.status).where(
            CreditRequirementStatus.user_id == attempt.user_id, CreditRequirementStatus.name == attempt.exam.content_id
        )
    )


def _attempts_list(client) -> list[str]:
    soup = client.soup(f"/courses/{COURSE}/proctoring/attempts")
    return [code.get_text(strip=True) for code in soup.select("#attempts tbody td code")]


def _needs_attention(client) -> list[str]:
    table = client.soup("/proctoring/needs-attention").find("table", id="review-queue")
    return [tr.find_all("td")[1].a.get_text(strip=True) for tr in table.tbody.find_all("tr")] if table else []


# ---------------------------------------------------------------------------------------- single, from the pages


@pytest.mark.parametrize("username", ["staff", "inst", "cs"])
def test_single_reset_from_the_attempts_list_confirms_then_archives(client, world, username):
    a = world["a"]
    client.login(username)
    soup = client.soup(f"/courses/{COURSE}/proctoring/attempts")
    links = [link["href"] for link in soup.select("a.reset-link")]
    url = f"/courses/{COURSE}/proctoring/attempts/{a.attempt_code}/reset"
    assert url in links
    confirm = client.soup(url)  # GET: the confirmation, nothing written
    text = confirm.select_one("#reset-confirm").get_text(" ", strip=True)
    assert "archived with its reviews" in text and "credit requirement status is removed" in text
    assert "take the exam again" in text and "credit requirement status satisfied is removed" in text
    assert _attempt(a.attempt_code).archived is None and _credit(a) == "satisfied"
    assert client.post(url, data={}, csrf=False).status_code == 400  # no CSRF token: refused
    assert _attempt(a.attempt_code).archived is None
    response = client.post(url, data={})
    assert response.status_code == 302
    assert "Attempt reset" in client.soup(response.headers["Location"]).get_text(" ", strip=True)
    attempt = _attempt(a.attempt_code)
    assert attempt.archived is not None and attempt.status == "verified"  # kept as it was, read-only
    assert _credit(attempt) is None
    assert db.session.scalar(select(func.count()).select_from(Review).where(Review.attempt_id == a.id)) == 1
    assert a.attempt_code not in _attempts_list(client)  # the learner has no current attempt
    plan = db.session.scalar(select(Plan).where(Plan.kind == "proctoring_reset"))
    assert plan.status == "applied" and plan.outcome_counts["applied"] == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.apply", AuditEvent.plan_id == plan.id))


def test_single_reset_from_the_review_page_returns_to_it_read_only(client, world):
    b = world["b"]
    client.login("cs")
    assert _needs_attention(client) == ["bob"]
    review = client.soup(f"/proctoring/reviews/{b.attempt_code}")
    href = review.select_one("#reset-link")["href"]
    assert client.soup(href).select_one("#consequences")
    response = client.post(href, data={})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/proctoring/reviews/{b.attempt_code}"
    )
    page = client.soup(response.headers["Location"])
    assert "Archived" in page.select_one("#archived-note").get_text()
    assert page.select_one("#reset-link") is None
    assert page.find("form", action=f"/proctoring/reviews/{b.attempt_code}/second-review") is None
    assert (
        client.post(f"/proctoring/reviews/{b.attempt_code}/second-review", data={"decision": "passed"}).status_code
        == 409
    )
    assert _needs_attention(client) == []  # an archived attempt takes no second review


@pytest.mark.parametrize("username", ["elsewhere", "learner"])
def test_others_may_not_reset(client, world, username):
    a = world["a"]
    client.login(username)
    url = f"/courses/{COURSE}/proctoring/attempts/{a.attempt_code}/reset"
    assert client.get(url).status_code == 403
    assert client.post(url, data={}).status_code == 403
    assert client.get(f"/courses/{COURSE}/proctoring/reset").status_code == 403
    assert _attempt(a.attempt_code).archived is None


def test_the_learner_can_take_the_exam_again_after_a_reset(client, world):
    a = world["a"]
    client.login("staff")
    client.post(f"/courses/{COURSE}/proctoring/attempts/{a.attempt_code}/reset", data={})
    again = make_attempt(a.exam, a.user, "started", external_id="LOCNEW")  # a second attempt: allowed now
    db.session.commit()
    assert again.attempt_code in _attempts_list(client) and a.attempt_code not in _attempts_list(client)


# ---------------------------------------------------------------------------------------- later callbacks


def test_a_callback_for_an_archived_attempt_is_stored_but_changes_no_status(client, world):
    c = world["c"]  # rejected, no review yet
    client.login("staff")
    client.post(f"/courses/{COURSE}/proctoring/attempts/{c.attempt_code}/reset", data={})
    response = post_signed(client, payload(code=c.attempt_code, locator="LOCC", status="Clean"))
    assert response.status_code == 200
    assert response.json["archived"] is True and "changes no status" in response.json["message"]
    assert response.json["action"] == "created" and response.json["attempt_status"] == "rejected"
    attempt = _attempt(c.attempt_code)
    assert attempt.status == "rejected" and _credit(attempt) is None
    assert db.session.scalar(select(Review.review_status).where(Review.attempt_id == c.id)) == "Clean"


# ---------------------------------------------------------------------------------------- bulk, as a plan


def _upload(client, content: str, name: str = "reset.csv"):
    return client.post(
        f"/courses/{COURSE}/proctoring/reset",
        data={"file": (io.BytesIO(content.encode()), name), "encoding": "utf-8"},
        content_type="multipart/form-data",
    )


def test_bulk_reset_from_a_csv_previews_every_row_then_applies(client, world):
    a, c = world["a"], world["c"]
    client.login("inst")
    assert client.soup(f"/courses/{COURSE}/proctoring/reset").select_one("#consequences")
    csv = (
        "username_or_email,exam\n"
        f"ADA@example.com,{MIDTERM}\n"
        f"nobody,{MIDTERM}\n"
        "bob,block-v1:no+such+exam\n"
        f"ada,{FINAL}\n"
        f"bob,{FINAL}\n"
        f"ada,{MIDTERM}\n"
    )
    response = _upload(client, csv)
    assert response.status_code == 302
    rows = db.session.scalars(select(PlanRow).order_by(PlanRow.row_number)).all()
    assert [(r.row_number, r.action, r.code) for r in rows] == [
        (2, "skip", "duplicate_row"),
        (3, "error", "unknown_learner"),
        (4, "error", "unknown_exam"),
        (5, "deactivate", ""),
        (6, "error", "no_current_attempt"),
        (7, "deactivate", ""),
    ]
    assert {"kind": "credit_status", "message": "credit requirement status failed is removed"} in rows[3].effects
    assert [e["kind"] for e in rows[3].effects] == ["attempt_archived", "credit_status"]
    assert _attempt(a.attempt_code).archived is None  # the preview wrote nothing
    preview = client.soup(response.headers["Location"]).get_text(" ", strip=True)
    assert "no current attempt" in preview and "does not exist" in preview
    assert client.post(f"/plans/{rows[0].plan_id}/apply", data={}).status_code == 302
    assert _attempt(a.attempt_code).archived is not None and _attempt(c.attempt_code).archived is not None
    assert _credit(a) is None and _credit(c) is None
    assert _attempt(world["b"].attempt_code).archived is None


def test_bulk_reset_refuses_a_file_that_is_not_csv(client, world):
    client.login("staff")
    response = _upload(client, "ada,x\n", name="reset.txt")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0


# ---------------------------------------------------------------------------------------- CLI


def test_cli_bulk_reset_dry_run_then_apply(runner, world, tmp_path):
    a = world["a"]
    path = tmp_path / "reset.csv"
    path.write_text(f"ada,{MIDTERM}\nnobody,{MIDTERM}\n")
    args = ["proctoring", "reset-attempts", str(path), "--course", COURSE, "--as", "cs", "--json"]
    dry = runner.invoke(args=[*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    data = json.loads(dry.output)
    assert data["status"] == "previewed" and data["counts"]["deactivate"] == 1
    assert "unknown_learner" in [r["code"] for r in data["rows"]]
    assert _attempt(a.attempt_code).archived is None
    done = runner.invoke(args=args)
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["status"] == "applied"
    assert _attempt(a.attempt_code).archived is not None and _credit(a) is None


def test_cli_single_reset_and_its_refusals(runner, world):
    c = world["c"]
    base = ["proctoring", "reset-attempt", "--course", COURSE, "--exam", FINAL, "--learner", "ada@example.com"]
    refused = runner.invoke(args=[*base, "--as", "elsewhere"])
    assert refused.exit_code == 1 and _attempt(c.attempt_code).archived is None
    done = runner.invoke(args=[*base, "--as", "cs", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["attempt_code"] == c.attempt_code
    assert _attempt(c.attempt_code).archived is not None and _credit(c) is None
    again = runner.invoke(args=[*base, "--as", "cs"])
    assert again.exit_code == 1 and "no current attempt" in again.output
    unknown = runner.invoke(args=[*base[:5], "block-v1:nope", *base[6:], "--as", "cs"])
    assert unknown.exit_code == 1 and "no exam" in unknown.output
    assert db.session.scalar(select(func.count()).select_from(SupportNotification)) == 0


def test_a_suspicious_callback_for_an_archived_attempt_notifies_no_one(client, world):
    c = world["c"]
    client.login("staff")
    client.post(f"/courses/{COURSE}/proctoring/attempts/{c.attempt_code}/reset", data={})
    response = post_signed(client, payload(code=c.attempt_code, locator="LOCC", status="Suspicious"))
    assert response.status_code == 200 and response.json["archived"] is True
    assert db.session.scalar(select(func.count()).select_from(SupportNotification)) == 0


def test_single_reset_of_a_learner_whose_username_is_someone_elses_email_resets_that_learners_attempt(client, world):
    from tests.builders import make_user

    a = world["a"]  # ada@example.com's verified midterm attempt
    twin = make_user("ada@example.com", email="twin@example.com")
    t = make_attempt(a.exam, twin, "submitted", external_id="LOCT")
    db.session.commit()
    client.login("staff")
    assert client.get(f"/courses/{COURSE}/proctoring/attempts/{t.attempt_code}/reset").status_code == 200
    assert client.post(f"/courses/{COURSE}/proctoring/attempts/{t.attempt_code}/reset", data={}).status_code == 302
    assert _attempt(t.attempt_code).archived is not None
    assert _attempt(a.attempt_code).archived is None


def test_bulk_reset_reads_a_header_by_name_in_any_order_and_ignores_other_columns(client, world):
    client.login("inst")
    response = _upload(client, f"exam,notes,email\n{FINAL},x,ada@example.com\n{MIDTERM},,nobody@example.com\n")
    assert response.status_code == 302
    rows = db.session.scalars(select(PlanRow).order_by(PlanRow.row_number)).all()
    assert [(r.row_number, r.cells, r.action, r.code) for r in rows] == [
        (2, ["ada@example.com", FINAL], "deactivate", ""),
        (3, ["nobody@example.com", MIDTERM], "error", "unknown_learner"),
    ]
