"""The signed provider callback: signature, validation, the mapping table, storage, updates, history."""

from __future__ import annotations

import json
import logging
import time

import pytest
from sqlalchemy import func, select

from tests.builders import make_course, make_course_staff, make_user
from tests.proctoring.builders import (
    SAMPLE_CODE,
    SAMPLE_LOCATOR,
    URL,
    make_attempt,
    make_exam,
    payload,
    post_signed,
)
from webapp.extensions import db
from webapp.models.proctoring import (
    CreditRequirementStatus,
    ExamAttempt,
    Review,
    ReviewComment,
    ReviewHistory,
    SupportNotification,
)


@pytest.fixture
def attempt(app):
    course = make_course("course-v1:edX+DemoX+Demo_Course")
    exam = make_exam(course, name="Midterm")
    attempt = make_attempt(exam, make_user("learner004"), "submitted", code=SAMPLE_CODE, external_id=SAMPLE_LOCATOR)
    db.session.commit()
    return attempt


def _attempt_status() -> str:
    db.session.expire_all()
    return db.session.scalar(select(ExamAttempt.status).where(ExamAttempt.attempt_code == SAMPLE_CODE))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------------------------------- the mapping table


@pytest.mark.parametrize(
    ("provider", "standard", "attempt_after", "credit", "notified"),
    [
        ("Clean", "passed", "verified", "satisfied", 0),
        ("Rules Violation", "violation", "verified", "satisfied", 0),
        ("Suspicious", "suspicious", "second_review_required", None, 1),
        ("Not Reviewed", "not_reviewed", "error", "failed", 0),
    ],
)
def test_every_row_of_the_mapping_table_without_a_human_reviewer(
    client, attempt, provider, standard, attempt_after, credit, notified
):
    response = post_signed(client, payload(status=provider))
    assert response.status_code == 200, response.json
    assert response.json["review_status"] == provider
    assert response.json["standard_status"] == standard
    assert response.json["attempt_status"] == attempt_after
    assert response.json["credit_status"] == credit
    assert _attempt_status() == attempt_after
    assert db.session.scalar(select(Review.review_status)) == provider
    assert _count(SupportNotification) == notified


@pytest.mark.parametrize(
    ("provider", "attempt_after"),
    [
        ("Clean", "verified"),
        ("Rules Violation", "verified"),
        ("Suspicious", "rejected"),
        ("Not Reviewed", "error"),
    ],
)
def test_every_row_of_the_mapping_table_with_a_human_reviewer(client, attempt, provider, attempt_after):
    reviewer = make_user("reviewer", email="Reviewer@Example.com", is_staff=True)
    db.session.commit()
    response = post_signed(client, payload(status=provider, reviewed_by="reviewer@example.com"))
    assert response.status_code == 200, response.json
    assert response.json["attempt_status"] == attempt_after
    assert db.session.scalar(select(Review.reviewer_id)) == reviewer.id
    assert _count(SupportNotification) == (1 if provider == "Suspicious" else 0)  # every Suspicious review


def test_suspicious_with_human_reviewer_fails_credit(client, attempt):
    make_user("reviewer", email="reviewer@example.com", is_staff=True)
    db.session.commit()
    assert post_signed(client, payload(reviewed_by="reviewer@example.com")).json["credit_status"] == "failed"
    assert db.session.scalar(select(CreditRequirementStatus.status)) == "failed"
    assert db.session.scalar(select(CreditRequirementStatus.namespace)) == "proctored_exam"
    assert db.session.scalar(select(CreditRequirementStatus.name)) == attempt.exam.content_id


def test_unexpected_review_status_is_refused(client, attempt):
    response = post_signed(client, payload(status="Passed With Flying Colours"))
    assert response.status_code == 400
    assert "unexpected reviewStatus value 'Passed With Flying Colours'" in response.json["detail"]
    assert _count(Review) == 0
    assert _attempt_status() == "submitted"


def test_reviewer_who_is_not_staff_is_logged_not_refused(client, attempt, caplog):
    learner = make_user("someone", email="someone@example.com")
    db.session.commit()
    with caplog.at_level(logging.WARNING):
        response = post_signed(client, payload(status="Clean", reviewed_by="someone@example.com"))
    assert response.status_code == 200
    assert db.session.scalar(select(Review.reviewer_id)) == learner.id
    assert any("not staff" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_reviewed_by_that_is_not_an_email_is_treated_as_no_reviewer(client, attempt):
    make_user("not-an-email", email="someone-else@example.com", is_staff=True)
    db.session.commit()
    response = post_signed(client, payload(status="Suspicious", reviewed_by="not-an-email"))
    assert response.status_code == 200, response.json
    assert response.json["attempt_status"] == "second_review_required"
    assert db.session.scalar(select(Review.reviewer_id)) is None


def test_course_staff_reviewer_is_not_warned_about(client, attempt, caplog):
    staff = make_user("cs", email="cs@example.com")
    make_course_staff(staff, attempt.exam.course)
    db.session.commit()
    with caplog.at_level(logging.WARNING):
        assert post_signed(client, payload(reviewed_by="cs@example.com")).json["attempt_status"] == "rejected"
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]


# ---------------------------------------------------------------------------------------- storage


def test_storage_strips_photo_and_video_link_and_keeps_comments_in_order(client, attempt):
    data = payload(userPhotoBase64String="aGVsbG8=")
    assert post_signed(client, data).status_code == 200
    review = db.session.scalar(select(Review))
    assert "userPhotoBase64String" not in review.raw_data
    assert "videoReviewLink" not in review.raw_data
    assert review.raw_data["overAllComments"] == data["overAllComments"]
    comments = db.session.execute(
        select(
            ReviewComment.source,
            ReviewComment.start,
            ReviewComment.stop,
            ReviewComment.duration,
            ReviewComment.comment,
            ReviewComment.status,
        ).order_by(ReviewComment.position)
    ).all()
    webcam = [
        ("webcam", c["eventStart"], c["eventFinish"], c["duration"], c["comments"], c["eventStatus"])
        for c in data["webCamComments"]
    ]
    desktop = [
        ("desktop", c["eventStart"], c["eventFinish"], c["duration"], c["comments"], c["eventStatus"])
        for c in data["desktopComments"]
    ]
    assert [tuple(c) for c in comments] == webcam + desktop


def test_identical_payload_twice_changes_nothing(client, attempt):
    data = payload()
    first = post_signed(client, data)
    second = post_signed(client, data)
    assert first.json["action"] == "created"
    assert second.status_code == 200 and second.json["action"] == "unchanged"
    assert second.json["attempt_status"] == "second_review_required"
    assert _count(Review) == 1
    assert _count(ReviewHistory) == 0
    assert _count(SupportNotification) == 1
    assert _count(ReviewComment) == 3


def test_second_callback_updates_the_review_and_keeps_history(client, attempt, allow_review_updates):
    post_signed(client, payload(status="Suspicious"))
    response = post_signed(client, payload(status="Clean", videoReviewLink="http://provider.example/v2"))
    assert response.status_code == 200
    assert response.json["action"] == "updated"
    assert response.json["attempt_status"] == "verified"
    assert _count(Review) == 1
    review = db.session.scalar(select(Review))
    assert review.review_status == "Clean"
    history = db.session.scalars(select(ReviewHistory)).all()
    assert [h.review_status for h in history] == ["Suspicious"]
    assert "videoReviewLink" not in history[0].raw_data and "videoReviewLink" not in review.raw_data


def test_updates_refused_with_409_when_not_allowed(app, client, attempt):
    post_signed(client, payload(status="Suspicious"))
    saved = app.config["ALLOW_REVIEW_UPDATES"]
    app.config["ALLOW_REVIEW_UPDATES"] = False
    try:
        refused = post_signed(client, payload(status="Clean"))
        same = post_signed(client, payload(status="Suspicious"))
    finally:
        app.config["ALLOW_REVIEW_UPDATES"] = saved
    assert refused.status_code == 409
    assert "ALLOW_REVIEW_UPDATES" in refused.json["detail"]
    assert same.status_code == 200 and same.json["action"] == "unchanged"  # an identical replay is not an update
    assert db.session.scalar(select(Review.review_status)) == "Suspicious"
    assert _count(ReviewHistory) == 0


def test_review_attempt_code_is_unique_in_the_database(attempt):
    from sqlalchemy.exc import IntegrityError

    db.session.add(Review(attempt_code=SAMPLE_CODE, attempt_id=attempt.id, review_status="Clean"))
    db.session.commit()
    db.session.add(Review(attempt_code=SAMPLE_CODE, attempt_id=attempt.id, review_status="Suspicious"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# ---------------------------------------------------------------------------------------- signature


def test_missing_signature_is_401(client, attempt):
    response = client.post(URL, data=json.dumps(payload()), content_type="application/json")
    assert response.status_code == 401
    assert "X-Proctoring-Timestamp" in response.json["detail"]
    assert _count(Review) == 0


def test_missing_signature_header_only_is_401(client, attempt):
    response = client.post(
        URL,
        data=json.dumps(payload()),
        content_type="application/json",
        headers={"X-Proctoring-Timestamp": str(int(time.time()))},
    )
    assert response.status_code == 401
    assert "X-Proctoring-Signature" in response.json["detail"]


def test_wrong_signature_is_401(client, attempt):
    response = post_signed(client, payload(), secret="not-the-secret")
    assert response.status_code == 401
    assert "does not match" in response.json["detail"]
    assert _count(Review) == 0


def test_altered_body_is_401(client, attempt):
    from tests.conftest import TEST_WEBHOOK_SECRET
    from webapp.services.proctoring.signing import sign_headers

    headers = sign_headers(json.dumps(payload(status="Suspicious")).encode(), TEST_WEBHOOK_SECRET)
    response = client.post(
        URL, data=json.dumps(payload(status="Clean")), headers=headers, content_type="application/json"
    )
    assert response.status_code == 401


def test_expired_signature_is_401(client, attempt):
    response = post_signed(client, payload(), now=time.time() - 301)
    assert response.status_code == 401
    assert "replay" in response.json["detail"]
    assert _count(Review) == 0


def test_signature_within_five_minutes_is_accepted(client, attempt):
    assert post_signed(client, payload(), now=time.time() - 250).status_code == 200


def test_unconfigured_secret_refuses_everything(app, client, attempt):
    saved = app.config["PROCTORING_WEBHOOK_SECRET"]
    app.config["PROCTORING_WEBHOOK_SECRET"] = ""
    try:
        response = post_signed(client, payload(), secret="anything")
    finally:
        app.config["PROCTORING_WEBHOOK_SECRET"] = saved
    assert response.status_code == 401


def test_webhook_needs_no_login_and_no_csrf_token(client, attempt):
    # the test client enforces CSRF on forms (a form post without token is 400); the webhook is exempt
    assert client.post("/logout", data={}, csrf=False).status_code == 400
    assert post_signed(client, payload()).status_code == 200


# ---------------------------------------------------------------------------------------- lookups


def test_record_locator_is_compared_case_insensitively(client, attempt):
    response = post_signed(client, payload(locator=SAMPLE_LOCATOR.lower()))
    assert response.status_code == 200


def test_record_locator_mismatch_is_refused(client, attempt):
    response = post_signed(client, payload(locator="SOMETHINGELSE"))
    assert response.status_code == 400
    assert "ssiRecordLocator" in response.json["detail"]
    assert _count(Review) == 0
    assert _attempt_status() == "submitted"


def test_unknown_attempt_is_404(client, attempt):
    response = post_signed(client, payload(code="DEADBEEF-0000-0000-0000-000000000000"))
    assert response.status_code == 404
    assert "DEADBEEF-0000-0000-0000-000000000000" in response.json["detail"]


# ---------------------------------------------------------------------------------------- malformed bodies


def _without(path: str) -> dict:
    data = payload()
    parts = path.split(".")
    target = data
    for part in parts[:-1]:
        target = target[part]
    del target[parts[-1]]
    return data


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"", "JSON"),
        (b"{", "JSON"),
        (b"not json at all", "JSON"),
        (b"\xff\xfe\x00", "UTF-8"),
        (b"[]", "object"),
        (b"null", "object"),
        (b"42", "object"),
        (b'"text"', "object"),
        (json.dumps(_without("examMetaData")).encode(), "examMetaData"),
        (json.dumps(_without("examMetaData.examCode")).encode(), "examMetaData.examCode"),
        (json.dumps(_without("examMetaData.ssiRecordLocator")).encode(), "examMetaData.ssiRecordLocator"),
        (json.dumps(_without("reviewStatus")).encode(), "reviewStatus"),
        (json.dumps(payload(examMetaData="x")).encode(), "examMetaData"),
        (json.dumps(payload(examMetaData={"examCode": 5, "ssiRecordLocator": "x"})).encode(), "examMetaData.examCode"),
        (json.dumps(payload(examMetaData={"examCode": "", "ssiRecordLocator": "x"})).encode(), "examMetaData.examCode"),
        (json.dumps(payload(reviewStatus=None)).encode(), "reviewStatus"),
        (json.dumps(payload(reviewStatus=["Clean"])).encode(), "reviewStatus"),
        (json.dumps(payload(webCamComments="lots")).encode(), "webCamComments"),
        (json.dumps(payload(webCamComments=[1])).encode(), "webCamComments[0]"),
        (json.dumps(payload(desktopComments=[{"eventStart": "soon"}])).encode(), "desktopComments[0].eventStart"),
        (json.dumps(payload(desktopComments=[{"comments": 3}])).encode(), "desktopComments[0].comments"),
        (json.dumps(payload(videoReviewLink=7)).encode(), "videoReviewLink"),
        (json.dumps(payload(webCamComments=[{"eventStart": 10**30}])).encode(), "webCamComments[0].eventStart"),
        (json.dumps(payload(webCamComments=[{"duration": -5}])).encode(), "webCamComments[0].duration"),
        (
            b'{"examMetaData": {"examCode": "x", "ssiRecordLocator": "y"}, "reviewStatus": "Clean", '
            b'"webCamComments": [{"eventStart": NaN}]}',
            "NaN",
        ),
        (b'{"reviewStatus": "Clean", "x": Infinity}', "Infinity"),
        (b"[" * 100_000 + b"]" * 100_000, "nested"),
        (json.dumps(payload(overAllComments="a\u0000b")).encode(), "NUL"),
    ],
)
def test_malformed_bodies_are_400_naming_the_problem(client, attempt, raw, field):
    response = post_signed(client, None, raw=raw)
    assert response.status_code == 400, (response.status_code, response.data[:300])
    assert field in response.json["detail"]
    assert _count(Review) == 0


def test_a_body_of_exactly_the_limit_is_taken_and_one_byte_more_is_413(app, client, attempt, monkeypatch):
    body = json.dumps(payload()).encode()
    monkeypatch.setitem(app.config, "PROCTORING_MAX_BODY_BYTES", len(body) - 1)
    response = post_signed(client, None, raw=body)
    assert response.status_code == 413
    assert response.json == {"detail": f"The body is larger than the {len(body) - 1:,} byte limit."}
    assert _count(Review) == 0
    monkeypatch.setitem(app.config, "PROCTORING_MAX_BODY_BYTES", len(body))
    response = post_signed(client, None, raw=body)
    assert response.status_code == 200 and response.json["action"] == "created"


def test_get_is_405_json(client):
    response = client.get(URL)
    assert response.status_code == 405
    assert "detail" in response.json


def test_by_default_a_second_different_callback_is_409_and_an_identical_one_200(client, attempt):
    """ALLOW_REVIEW_UPDATES is off unless configured (as on the platform)."""
    first = post_signed(client, payload(status="Suspicious"))
    different = post_signed(client, payload(status="Clean"))
    identical = post_signed(client, payload(status="Suspicious"))
    assert first.status_code == 200 and first.json["action"] == "created"
    assert different.status_code == 409 and "ALLOW_REVIEW_UPDATES" in different.json["detail"]
    assert identical.status_code == 200 and identical.json["action"] == "unchanged"
    assert _attempt_status() == "second_review_required"
    assert _count(ReviewHistory) == 0
