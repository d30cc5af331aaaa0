"""Domain §2.1 "Ordering" (issue 12 point 6): an older signed callback never replaces a newer review, and a
staff member's second review is never replaced by the provider; the signed timestamp is stored."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.builders import make_course, make_user
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.proctoring.builders import SAMPLE_CODE, SAMPLE_LOCATOR, URL, make_attempt, make_exam, payload, post_signed
from webapp.extensions import db
from webapp.models.proctoring import ExamAttempt, Review, ReviewHistory, SupportNotification
from webapp.services.proctoring.signing import sign_headers


@pytest.fixture
def attempt(app):
    make_user("staff", is_staff=True)
    course = make_course("course-v1:edX+DemoX+Demo_Course")
    attempt = make_attempt(
        make_exam(course, name="Midterm"), make_user("ada"), "submitted", code=SAMPLE_CODE, external_id=SAMPLE_LOCATOR
    )
    db.session.commit()
    return attempt


def _state() -> tuple:
    db.session.expire_all()
    return (
        db.session.scalar(select(ExamAttempt.status)),
        db.session.scalar(select(Review.review_status)),
        db.session.scalar(select(func.count()).select_from(SupportNotification)),
        db.session.scalar(select(func.count()).select_from(ReviewHistory)),
    )


def test_an_older_signed_suspicious_callback_reposted_after_a_clean_one_changes_nothing(
    client, attempt, allow_review_updates
):
    now = time.time()
    suspicious = json.dumps(payload(status="Suspicious")).encode()
    old_headers = sign_headers(suspicious, TEST_WEBHOOK_SECRET, now=now - 120)
    first = client.post(URL, data=suspicious, headers=old_headers, content_type="application/json")
    assert first.status_code == 200 and first.json["attempt_status"] == "second_review_required"
    clean = post_signed(client, payload(status="Clean"), now=now - 60)
    assert clean.status_code == 200 and clean.json["attempt_status"] == "verified"
    before = _state()
    assert before == ("verified", "Clean", 1, 1)
    again = client.post(URL, data=suspicious, headers=old_headers, content_type="application/json")  # still in window
    assert again.status_code == 409
    assert "out of order" in again.json["detail"]
    assert _state() == before  # attempt verified, no new notification, no new history


def test_the_signed_timestamp_is_stored_with_the_review(client, attempt):
    sent = int(time.time()) - 30
    assert post_signed(client, payload(status="Clean"), now=sent).status_code == 200
    assert db.session.scalar(select(Review.signed_at)) == datetime.fromtimestamp(sent, UTC).replace(tzinfo=None)


def test_a_staff_second_review_is_never_replaced_by_a_provider_callback(client, attempt, allow_review_updates):
    assert post_signed(client, payload(status="Suspicious"), now=time.time() - 60).status_code == 200
    client.login("staff")
    decided = client.post(
        f"/proctoring/reviews/{SAMPLE_CODE}/second-review", data={"decision": "passed", "note": "Looked fine."}
    )
    assert decided.status_code == 302
    before = _state()
    assert before[:2] == ("verified", "Clean")
    later = post_signed(client, payload(status="Suspicious", overAllComments="re-reviewed"))
    assert later.status_code == 409
    assert "second review" in later.json["detail"] and "never replaces a staff decision" in later.json["detail"]
    assert _state() == before


def test_the_second_review_form_states_the_credit_consequence(client, attempt):
    assert post_signed(client, payload(status="Suspicious")).status_code == 200
    client.login("staff")
    labels = [
        label.get_text(" ", strip=True) for label in client.soup(f"/proctoring/reviews/{SAMPLE_CODE}").select("label")
    ]
    assert "Passed Attempt becomes Verified; credit status becomes Satisfied" in labels
    assert "Suspicious Attempt becomes Rejected; credit status becomes Failed" in labels


def test_a_replay_never_replaces_a_staff_decision(client, attempt, allow_review_updates):
    import io

    from webapp.models import PlanRow

    assert post_signed(client, payload(status="Suspicious")).status_code == 200
    client.login("staff")
    client.post(f"/proctoring/reviews/{SAMPLE_CODE}/second-review", data={"decision": "passed", "note": ""})
    body = json.dumps([payload(status="Suspicious", overAllComments="late")]).encode()
    response = client.post(
        "/proctoring/replay", data={"file": (io.BytesIO(body), "late.json")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    plan_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])  # the second review is a plan too
    row = db.session.scalar(select(PlanRow).where(PlanRow.plan_id == plan_id))
    assert (row.action, row.code) == ("error", "staff_decided")
    assert _state()[:2] == ("verified", "Clean")
