"""Replay apply in batches (issue 15): the payloads of a batch are stored together, with the same rules as one
by one, across the shrunk batch sizes of tests/conftest.py, and with no statement per payload."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, func, select

from tests.builders import make_course, make_course_staff, make_user
from tests.proctoring.builders import make_attempt, make_exam, make_review, payload
from webapp.extensions import db
from webapp.models import AuditEvent, Plan, PlanRow
from webapp.models.proctoring import (
    CreditRequirementStatus,
    ExamAttempt,
    Review,
    ReviewComment,
    ReviewHistory,
    SupportNotification,
)
from webapp.services import plans
from webapp.services.proctoring.replay import plan_replay
from webapp.timeutil import utcnow

STATUSES = ("Clean", "Rules Violation", "Suspicious", "Not Reviewed")


def _world(n: int) -> dict:
    staff = make_user("staff", is_staff=True)
    course = make_course("course-v1:edX+Replay+2026")
    reviewer = make_user("reviewer", email="reviewer@example.com")
    make_course_staff(reviewer, course)
    exams = [make_exam(course, name=f"Exam {e}") for e in range(3)]
    attempts = [
        make_attempt(exams[i % 3], make_user(f"learner{i:02d}"), "submitted", external_id=f"LOC{i}") for i in range(n)
    ]
    db.session.commit()
    return {"staff": staff, "course": course, "attempts": attempts}


def _file(attempts: list[ExamAttempt]) -> bytes:
    return json.dumps(
        [
            payload(
                code=a.attempt_code,
                locator=f"loc{i}",  # the locator is compared case-insensitively
                status=STATUSES[i % 4],
                **({"reviewed_by": "REVIEWER@example.com"} if i % 5 == 0 else {}),
            )
            for i, a in enumerate(attempts)
        ]
    ).encode()


def test_twelve_payloads_over_batches_of_five_are_stored_as_one_by_one(client):
    w = _world(12)
    archived = w["attempts"][7]
    archived.archived = utcnow()  # reset: its review is stored with it, no status moves
    db.session.commit()
    client.login("staff")
    response = client.post(
        "/proctoring/replay",
        data={"file": (io.BytesIO(_file(w["attempts"])), "backlog.json")},
        content_type="multipart/form-data",
    )
    plan_id = int(response.location.rstrip("/").split("/")[-1])
    assert client.post(f"/plans/{plan_id}/apply").status_code == 302
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    assert plan.status == "applied" and plan.outcome_counts == {"applied": 12, "failed": 0}
    statuses = {a.attempt_code: a.status for a in db.session.scalars(select(ExamAttempt))}
    expected = {
        "Clean": "verified",
        "Rules Violation": "verified",
        "Suspicious": "second_review_required",
        "Not Reviewed": "error",
    }
    for i, attempt in enumerate(w["attempts"]):
        if i == 7:
            assert statuses[attempt.attempt_code] == "submitted"
        elif i % 5 == 0 and STATUSES[i % 4] == "Suspicious":
            assert statuses[attempt.attempt_code] == "rejected"  # a human reviewer is named
        else:
            assert statuses[attempt.attempt_code] == expected[STATUSES[i % 4]], i
    reviews = {r.attempt_code: r for r in db.session.scalars(select(Review))}
    assert len(reviews) == 12
    assert reviews[w["attempts"][0].attempt_code].reviewer.username == "reviewer"
    assert reviews[w["attempts"][1].attempt_code].reviewer_id is None
    assert all(len(r.comments) == 3 for r in reviews.values())  # the sample's 2 webcam and 1 desktop comments
    comments = reviews[w["attempts"][3].attempt_code].comments
    assert [(c.position, c.source) for c in comments] == [(0, "webcam"), (1, "webcam"), (2, "desktop")]
    assert db.session.scalar(select(func.count()).select_from(ReviewComment)) == 36
    # every Suspicious review but the archived attempt's raises a notification naming its review id
    notes = db.session.scalars(select(SupportNotification).order_by(SupportNotification.id)).all()
    suspicious = [a for i, a in enumerate(w["attempts"]) if STATUSES[i % 4] == "Suspicious" and i != 7]
    assert [n.attempt_id for n in notes] == [a.id for a in suspicious]
    assert all(n.review_id == reviews[n.attempt.attempt_code].id for n in notes)
    assert all(n.url.endswith(n.attempt.attempt_code) for n in notes)
    credits = {(c.user_id, c.name): c.status for c in db.session.scalars(select(CreditRequirementStatus))}
    assert credits[(w["attempts"][0].user_id, w["attempts"][0].exam.content_id)] == "satisfied"
    assert credits[(w["attempts"][3].user_id, w["attempts"][3].exam.content_id)] == "failed"
    assert (w["attempts"][2].user_id, w["attempts"][2].exam.content_id) not in credits
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "proctoring.review")).all()
    assert len(events) == 12
    assert {e.actor_name for e in events} == {"staff"}
    assert sum("archived (reset)" in e.summary for e in events) == 1


def test_updates_and_creates_share_a_batch(allow_review_updates):
    """With ALLOW_REVIEW_UPDATES, a batch mixing stored reviews (updated, the old version kept in history, the
    comments replaced) and new ones stores both kinds."""
    w = _world(8)
    for i in (1, 5, 6):
        make_review(w["attempts"][i], "Clean")
    db.session.commit()
    plan = plan_replay(_file(w["attempts"]), "backlog.json", actor=w["staff"])
    actions = [r.action for r in db.session.scalars(select(PlanRow).order_by(PlanRow.row_number))]
    assert actions == ["create", "update", "create", "create", "create", "update", "update", "create"]
    result = plans.apply_plan(plan.id, w["staff"])
    assert (result.status, result.applied, result.failed) == ("applied", 8, 0)
    db.session.expire_all()
    reviews = {r.attempt_code: r for r in db.session.scalars(select(Review))}
    assert [reviews[a.attempt_code].review_status for a in w["attempts"]] == [STATUSES[i % 4] for i in range(8)]
    assert db.session.scalar(select(func.count()).select_from(ReviewHistory)) == 3
    assert db.session.scalar(select(func.count()).select_from(ReviewComment)) == 24


def test_apply_issues_the_same_statements_for_10_and_for_40_payloads(app):
    """No statement per payload: with batches (the recheck's, the writes', the IN lists) large enough for both,
    applying 40 payloads takes exactly the statements applying 10 takes."""
    counts = []
    saved = {k: app.config[k] for k in ("PLAN_APPLY_BATCH", "PLAN_DECIDE_BATCH", "IN_BATCH_SIZE")}
    app.config.update(PLAN_APPLY_BATCH=1000, PLAN_DECIDE_BATCH=1000, IN_BATCH_SIZE=900)
    try:
        for n in (10, 40):
            w = _world(n)
            plan = plan_replay(_file(w["attempts"]), "backlog.json", actor=w["staff"])
            with _statements() as seen:
                assert plans.apply_plan(plan.id, w["staff"]).applied == n
            counts.append(len(seen))
            db.session.remove()
            with db.engine.begin() as connection:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
    finally:
        app.config.update(saved)
    assert counts[0] == counts[1], counts


@contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
