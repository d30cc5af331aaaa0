"""Attempt rules (domain §2.2): the one `update_attempt_status`, and what the callback does through it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.builders import make_course, make_user
from tests.proctoring.builders import make_attempt, make_exam, payload, post_signed
from webapp.extensions import db
from webapp.models.proctoring import CreditRequirementStatus, ExamAttempt, SupportNotification
from webapp.services.errors import Conflict
from webapp.services.proctoring.attempts import update_attempt_status
from webapp.statuses import INCOMPLETE_ATTEMPT_STATUSES, AttemptStatus

COMPLETED = [s for s in AttemptStatus if s not in INCOMPLETE_ATTEMPT_STATUSES]


def _credit(attempt: ExamAttempt) -> str | None:
    return db.session.scalar(
        select(CreditRequirementStatus.status).where(
            CreditRequirementStatus.user_id == attempt.user_id,
            CreditRequirementStatus.name == attempt.exam.content_id,
            CreditRequirementStatus.namespace == "proctored_exam",
        )
    )


@pytest.fixture
def course(app):
    return make_course()


@pytest.mark.parametrize(
    "completed",
    ["verified", "rejected", "submitted", "declined", "error", "second_review_required", "onboarding_missing"],
)
@pytest.mark.parametrize("incomplete", ["started", "eligible", "ready_to_submit"])
def test_completed_to_incomplete_is_refused_naming_both(course, completed, incomplete):
    attempt = make_attempt(make_exam(course), make_user(), completed)
    with pytest.raises(Conflict) as refused:
        update_attempt_status(attempt, incomplete)
    assert completed in str(refused.value) and incomplete in str(refused.value)
    assert attempt.status == completed


def test_incomplete_to_incomplete_and_to_completed_are_allowed(course):
    attempt = make_attempt(make_exam(course), make_user(), "created")
    update_attempt_status(attempt, "started")
    assert attempt.status == "started"
    change = update_attempt_status(attempt, "submitted")
    assert (change.from_status, change.to_status, attempt.status) == ("started", "submitted", "submitted")
    assert attempt.completed is not None


def test_callback_cannot_move_a_completed_attempt_back(client, course):
    """A review always lands on a completed status; even from a completed one it is accepted."""
    attempt = make_attempt(make_exam(course), make_user(), "verified")
    db.session.commit()
    response = post_signed(client, payload(code=attempt.attempt_code, locator=attempt.external_id, status="Clean"))
    assert response.status_code == 200 and response.json["attempt_status"] == "verified"


def test_timed_out_is_stored_as_submitted_by_default(app, course):
    attempt = make_attempt(make_exam(course), make_user(), "started")
    assert app.config["ALLOW_TIMED_OUT_STATE"] is False
    change = update_attempt_status(attempt, "timed_out")
    assert attempt.status == "submitted" and change.to_status == "submitted"
    assert _credit(attempt) == "submitted"


def test_timed_out_is_kept_when_allowed(app, course):
    attempt = make_attempt(make_exam(course), make_user(), "started")
    app.config["ALLOW_TIMED_OUT_STATE"] = True
    try:
        update_attempt_status(attempt, "timed_out")
    finally:
        app.config["ALLOW_TIMED_OUT_STATE"] = False
    assert attempt.status == "timed_out"
    assert _credit(attempt) is None  # timed_out sets no credit status


@pytest.mark.parametrize(
    ("status", "credit"),
    [
        ("verified", "satisfied"),
        ("submitted", "submitted"),
        ("declined", "declined"),
        ("rejected", "failed"),
        ("error", "failed"),
        ("second_review_required", None),
        ("onboarding_missing", None),
    ],
)
def test_credit_status_follows_the_attempt(course, status, credit):
    attempt = make_attempt(make_exam(course), make_user(), "started")
    update_attempt_status(attempt, status)
    db.session.flush()
    assert _credit(attempt) == credit


def test_credit_status_is_updated_not_duplicated(course):
    attempt = make_attempt(make_exam(course), make_user(), "started")
    update_attempt_status(attempt, "submitted")
    update_attempt_status(attempt, "verified")
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(CreditRequirementStatus)) == 1
    assert _credit(attempt) == "satisfied"


def test_decline_cascades_to_other_active_proctored_non_practice_exams(course):
    learner = make_user()
    declined_exam = make_exam(course, name="Midterm")
    no_attempt = make_exam(course, name="Final")
    incomplete = make_exam(course, name="Quiz")
    completed = make_exam(course, name="Quiz 2")
    practice = make_exam(course, name="Practice", is_practice=True)
    inactive = make_exam(course, name="Old", is_active=False)
    timed = make_exam(course, name="Timed", is_proctored=False)
    other_course_exam = make_exam(make_course(), name="Elsewhere")
    attempt = make_attempt(declined_exam, learner, "created")
    quiz_attempt = make_attempt(incomplete, learner, "started")
    done_attempt = make_attempt(completed, learner, "verified")
    other_learner = make_attempt(no_attempt, make_user(), "started")

    change = update_attempt_status(attempt, "declined")
    db.session.flush()

    by_exam = {a.exam_id: a for a in db.session.scalars(select(ExamAttempt).where(ExamAttempt.user_id == learner.id))}
    assert by_exam[no_attempt.id].status == "declined"  # created by the cascade
    assert by_exam[incomplete.id].status == "declined"
    assert quiz_attempt.status == "declined"
    assert done_attempt.status == "verified"  # completed attempts are left alone
    assert practice.id not in by_exam and inactive.id not in by_exam and timed.id not in by_exam
    assert other_course_exam.id not in by_exam
    assert other_learner.status == "started"
    assert sorted(change.cascaded) == sorted([by_exam[no_attempt.id].attempt_code, quiz_attempt.attempt_code])
    assert _credit(by_exam[no_attempt.id]) == "declined"


def test_nothing_but_declining_cascades(course):
    learner = make_user()
    attempt = make_attempt(make_exam(course), learner, "started")
    other = make_attempt(make_exam(course), learner, "started")
    update_attempt_status(attempt, "rejected")
    assert other.status == "started"
    assert db.session.scalar(select(func.count()).select_from(ExamAttempt)) == 2


def test_support_notified_of_every_suspicious_review_with_a_link_to_its_review_page(client, course):
    """Domain §2.1: support is notified of every Suspicious review, with or without a human reviewer."""
    learner = make_user()
    exam = make_exam(course)
    attempts = {
        status: make_attempt(exam if i == 0 else make_exam(course), learner, "submitted")
        for i, status in enumerate(["Suspicious", "Clean", "Rules Violation", "Not Reviewed"])
    }
    reviewed = make_attempt(make_exam(course), learner, "submitted")
    make_user("rev", email="rev@example.com", is_staff=True)
    db.session.commit()
    for status, attempt in attempts.items():
        assert (
            post_signed(
                client, payload(code=attempt.attempt_code, locator=attempt.external_id, status=status)
            ).status_code
            == 200
        )
    post_signed(
        client, payload(code=reviewed.attempt_code, locator=reviewed.external_id, reviewed_by="rev@example.com")
    )
    notes = db.session.scalars(select(SupportNotification).order_by(SupportNotification.id)).all()
    assert [n.attempt_id for n in notes] == [attempts["Suspicious"].id, reviewed.id]
    assert attempts["Suspicious"].attempt_code in notes[0].message
    client.login("rev")
    for note, attempt in zip(notes, [attempts["Suspicious"], reviewed], strict=True):
        assert note.url in note.message
        page = client.soup(note.url)  # the notification's URL opens that attempt's review page
        assert attempt.attempt_code in page.get_text(" ", strip=True)
        assert page.select_one("#review-status") is not None


def test_a_decline_clears_external_id_and_taking_as_proctored_also_on_cascaded_attempts(course):
    """No door declines an attempt today (the learner does, on the platform): the rule is tested at its one place."""
    learner = make_user()
    attempt = make_attempt(make_exam(course), learner, "started", external_id="LOC-DECLINED")
    other = make_attempt(make_exam(course), learner, "ready_to_start", external_id="LOC-OTHER")
    kept = make_attempt(make_exam(course), learner, "verified", external_id="LOC-KEPT")
    update_attempt_status(attempt, "declined")
    db.session.commit()
    db.session.expire_all()
    rows = {a.id: (a.status, a.external_id, a.taking_as_proctored) for a in db.session.scalars(select(ExamAttempt))}
    assert rows[attempt.id] == ("declined", "", False)
    assert rows[other.id] == ("declined", "", False)  # declined by the cascade
    assert rows[kept.id] == ("verified", "LOC-KEPT", True)  # completed: not declined, not cleared
