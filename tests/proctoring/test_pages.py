"""Staff pages: queue (filters, search, pagination), needs attention, review page, second review, isolation."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.builders import make_course, make_course_staff, make_user
from tests.proctoring.builders import make_attempt, make_exam, make_review, payload, post_signed
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.models.proctoring import CreditRequirementStatus, ExamAttempt, Review, ReviewHistory


@pytest.fixture
def world(app):
    """Two courses, each with an exam and reviews; a course staff member of the first course only."""
    staff = make_user("staff", is_staff=True)
    cs = make_user("course_staff")
    demo = make_course("course-v1:edX+DemoX+Demo_Course", name="Demo Course")
    mitx = make_course("course-v1:MITx+6.00.1x+2026_Fall", name="MITx Python")
    make_course_staff(cs, demo)
    midterm = make_exam(demo, name="Midterm")
    final = make_exam(demo, name="Final")
    quiz = make_exam(mitx, name="Quiz 1")
    base = datetime(2026, 3, 1)
    rows = {}
    for i, (exam, username, attempt_status, review_status, reviewer) in enumerate(
        [
            (midterm, "alice", "second_review_required", "Suspicious", None),
            (midterm, "bob", "verified", "Clean", None),
            (final, "carol", "rejected", "Suspicious", staff),
            (final, "dave", "error", "Not Reviewed", None),
            (quiz, "erin", "second_review_required", "Suspicious", None),
        ]
    ):
        attempt = make_attempt(exam, make_user(username), attempt_status)
        review = make_review(attempt, review_status, reviewer)
        review.created = base + timedelta(days=i)
        rows[username] = attempt
    db.session.commit()
    return {
        "staff": staff,
        "cs": cs,
        "demo": demo,
        "mitx": mitx,
        "midterm": midterm,
        "final": final,
        "quiz": quiz,
        **rows,
    }


def _learners(soup) -> list[str]:
    table = soup.find("table", id="review-queue")
    if table is None:
        return []
    return [tr.find_all("td")[1].a.get_text(strip=True) for tr in table.tbody.find_all("tr")]


def test_queue_lists_newest_first_for_global_staff(client, world):
    client.login("staff")
    assert _learners(client.soup("/proctoring/reviews")) == ["erin", "dave", "carol", "bob", "alice"]


def test_course_staff_see_only_their_courses(client, world):
    client.login("course_staff")
    assert _learners(client.soup("/proctoring/reviews")) == ["dave", "carol", "bob", "alice"]
    assert _learners(client.soup("/proctoring/needs-attention")) == ["alice"]
    client.soup(f"/proctoring/reviews/{world['erin'].attempt_code}", expect=403)
    client.soup("/courses/course-v1:MITx+6.00.1x+2026_Fall/proctoring/", expect=403)
    client.soup("/courses/course-v1:MITx+6.00.1x+2026_Fall/proctoring/attempts", expect=403)
    response = client.post(
        f"/proctoring/reviews/{world['erin'].attempt_code}/second-review", data={"decision": "passed", "note": "x"}
    )
    assert response.status_code == 403
    assert db.session.get(ExamAttempt, world["erin"].id).status == "second_review_required"
    # a course filter naming someone else's course shows nothing of it
    assert _learners(client.soup("/proctoring/reviews?course=course-v1:MITx%2B6.00.1x%2B2026_Fall")) == []


def test_a_learner_gets_403_everywhere(client, world):
    make_user("nobody")
    db.session.commit()
    client.login("nobody")
    assert _learners(client.soup("/proctoring/reviews")) == []
    client.soup(f"/proctoring/reviews/{world['alice'].attempt_code}", expect=403)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("review_status=Suspicious", ["erin", "carol", "alice"]),
        ("review_status=Clean", ["bob"]),
        ("course=course-v1:MITx%2B6.00.1x%2B2026_Fall", ["erin"]),
        ("unreviewed=1", ["erin", "dave", "bob", "alice"]),
        ("unreviewed_failures=1", ["erin", "alice"]),
        ("q=car", ["carol"]),
        ("q=CAROL", ["carol"]),
        ("review_status=Bogus", ["erin", "dave", "carol", "bob", "alice"]),
    ],
)
def test_queue_filters_and_search(client, world, query, expected):
    client.login("staff")
    assert _learners(client.soup(f"/proctoring/reviews?{query}")) == expected


def test_queue_filter_by_exam_and_search_by_attempt_code(client, world):
    client.login("staff")
    assert _learners(client.soup(f"/proctoring/reviews?exam={world['final'].id}")) == ["dave", "carol"]
    code = world["bob"].attempt_code.lower()
    assert _learners(client.soup(f"/proctoring/reviews?q={code}")) == ["bob"]


def test_queue_is_paginated(client, world):
    course = world["demo"]
    exam = make_exam(course, name="Bulk")
    for i in range(55):
        make_review(make_attempt(exam, make_user(f"bulk{i:02d}")), "Clean")
    db.session.commit()
    client.login("staff")
    first = client.soup("/proctoring/reviews")
    assert len(_learners(first)) == 50
    assert first.find("a", rel="next") is not None
    second = client.soup(first.find("a", rel="next")["href"])
    assert len(_learners(second)) == 10


def test_needs_attention_lists_unreviewed_suspicious_until_reviewed(client, world):
    client.login("staff")
    soup = client.soup("/proctoring/needs-attention")
    assert _learners(soup) == ["erin", "alice"]
    response = client.post(
        f"/proctoring/reviews/{world['alice'].attempt_code}/second-review",
        data={"decision": "suspicious", "note": "Confirmed a phone in view."},
    )
    assert response.status_code == 302
    assert _learners(client.soup("/proctoring/needs-attention")) == ["erin"]


def test_review_page_shows_everything(client, world, allow_review_updates):
    attempt = world["alice"]
    review = db.session.scalar(select(Review).where(Review.attempt_code == attempt.attempt_code))
    db.session.delete(review)
    attempt.status = "submitted"
    attempt.external_id = "LOCX"
    db.session.commit()
    post_signed(client, payload(code=attempt.attempt_code, locator="LOCX", status="Clean"))
    post_signed(client, payload(code=attempt.attempt_code, locator="LOCX", status="Suspicious"))
    client.login("course_staff")
    soup = client.soup(f"/proctoring/reviews/{attempt.attempt_code}")
    text = soup.get_text(" ", strip=True)
    assert "Midterm" in text and "alice" in text and attempt.attempt_code in text
    assert soup.select_one("#attempt-status").get_text(strip=True) == "Second review required"
    assert "Suspicious" in soup.select_one("#review-status").get_text()
    assert "Satisfied" in soup.select_one("#credit-status").get_text()  # from the Clean version before
    assert [td.get_text(strip=True) for td in soup.select("#comments tbody tr td:nth-of-type(5)")] == [
        "Looked off screen repeatedly",
        "Another person entered the room",
        "Second monitor detected",
    ]
    assert "provider.example" not in str(soup) and "redacted" in soup.select_one("#review-details").get_text()
    assert [td.get_text(strip=True) for td in soup.select("#history tbody tr td:nth-of-type(2)")] == ["Clean"]
    raw = soup.select_one("#raw-payload").get_text()
    assert "overAllComments" in raw and "userPhotoBase64String" not in raw and "videoReviewLink" not in raw
    assert "Needs attention" in text
    assert "notified" in soup.select_one("#review-details").get_text()


@pytest.mark.parametrize(
    ("decision", "attempt_after", "credit", "provider"),
    [
        ("passed", "verified", "satisfied", "Clean"),
        ("violation", "verified", "satisfied", "Rules Violation"),
        ("suspicious", "rejected", "failed", "Suspicious"),
        ("not_reviewed", "error", "failed", "Not Reviewed"),
    ],
)
def test_second_review_sets_reviewer_and_moves_attempt(client, world, decision, attempt_after, credit, provider):
    attempt = world["alice"]
    client.login("course_staff")
    soup = client.soup(f"/proctoring/reviews/{attempt.attempt_code}")
    labels = [lab.get_text(" ", strip=True) for lab in soup.select("fieldset label")]
    assert any("Suspicious" in lab and "Rejected" in lab for lab in labels)  # the consequence is stated
    response = client.post(
        f"/proctoring/reviews/{attempt.attempt_code}/second-review",
        data={"decision": decision, "note": "Checked the video."},
        follow_redirects=True,
    )
    assert response.status_code == 200
    db.session.expire_all()
    review = db.session.scalar(select(Review).where(Review.attempt_code == attempt.attempt_code))
    assert review.reviewer_id == world["cs"].id
    assert review.review_status == provider
    assert review.staff_note == "Checked the video."
    assert db.session.get(ExamAttempt, attempt.id).status == attempt_after
    assert (
        db.session.scalar(
            select(CreditRequirementStatus.status).where(CreditRequirementStatus.user_id == attempt.user_id)
        )
        == credit
    )
    assert [h.review_status for h in db.session.scalars(select(ReviewHistory))] == ["Suspicious"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "proctoring.second_review"))
    assert event.actor_id == world["cs"].id and event.detail["decision"] == decision
    assert f"moved from Second review required to {attempt_after.capitalize()}" in response.get_data(as_text=True)


def test_second_review_without_decision_is_refused_with_the_form(client, world):
    client.login("staff")
    response = client.post(f"/proctoring/reviews/{world['alice'].attempt_code}/second-review", data={"note": "x"})
    assert response.status_code == 400
    assert "Choose a decision." in response.get_data(as_text=True)
    assert db.session.get(ExamAttempt, world["alice"].id).status == "second_review_required"


def test_second_review_needs_csrf(client, world):
    client.login("staff")
    response = client.post(
        f"/proctoring/reviews/{world['alice'].attempt_code}/second-review", data={"decision": "passed"}, csrf=False
    )
    assert response.status_code == 400
    assert db.session.get(ExamAttempt, world["alice"].id).status == "second_review_required"


def test_unknown_review_is_404(client, world):
    client.login("staff")
    client.soup("/proctoring/reviews/NOPE", expect=404)


def test_course_tab_shows_exams_attempt_counts_and_queue(client, world):
    client.login("course_staff")
    soup = client.soup("/courses/course-v1:edX+DemoX+Demo_Course/proctoring/")
    exams = {tr.find("a").get_text(strip=True): tr for tr in soup.select("#exams tbody tr")}
    assert set(exams) == {"Midterm", "Final"}
    assert exams["Midterm"].select_one("td.num").get_text(strip=True) == "2"
    assert _learners(soup) == ["dave", "carol", "bob", "alice"]
    assert soup.select_one("nav.course-tabs a.active").get_text(strip=True) == "Proctoring"
    assert _learners(client.soup("/courses/course-v1:edX+DemoX+Demo_Course/proctoring/?unreviewed_failures=1")) == [
        "alice"
    ]


def test_attempts_per_exam_with_status_filter(client, world):
    client.login("course_staff")
    base = "/courses/course-v1:edX+DemoX+Demo_Course/proctoring/attempts"

    def learners(url):
        return [tr.find("td").get_text(strip=True) for tr in client.soup(url).select("#attempts tbody tr")]

    assert sorted(learners(base)) == ["alice", "bob", "carol", "dave"]
    assert learners(f"{base}?exam={world['midterm'].id}") == ["alice", "bob"]
    assert learners(f"{base}?status=rejected") == ["carol"]
    assert learners(f"{base}?exam={world['midterm'].id}&status=verified") == ["bob"]


def test_legacy_course_key_urls_work(client, world):
    legacy = make_course("edX/Open_DemoX/edx_demo_course", name="Legacy")
    make_review(make_attempt(make_exam(legacy, name="Old exam"), make_user("frank")), "Clean")
    db.session.commit()
    client.login("staff")
    soup = client.soup("/courses/edX/Open_DemoX/edx_demo_course/proctoring/")
    assert _learners(soup) == ["frank"]
    client.soup("/courses/edX/Open_DemoX/edx_demo_course/proctoring/attempts")
