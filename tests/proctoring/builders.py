"""Builders for proctoring rows and signed provider payloads (tests only)."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

from tests.conftest import TEST_WEBHOOK_SECRET
from webapp.extensions import db
from webapp.models import Course, User
from webapp.models.proctoring import ExamAttempt, ProctoredExam, Review
from webapp.services.proctoring.signing import sign_headers

# The shared sample body sits beside the repository (../shared); the fallback is a copy of it in tests/fixtures.
SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "review_callback_suspicious.json"
SAMPLE_COPY = Path(__file__).resolve().parents[1] / "fixtures" / "review_callback_suspicious.json"
SAMPLE_CODE = "3F1D0C52-7B7A-4C1E-9E0B-6B5C2A8D9E10"
SAMPLE_LOCATOR = "56A2B9F1C0D3E"
URL = "/api/proctoring/v1/reviews"
_seq = itertools.count(1)


def sample_payload() -> dict[str, Any]:
    return json.loads((SAMPLE if SAMPLE.exists() else SAMPLE_COPY).read_text())


def payload(
    code: str = SAMPLE_CODE,
    locator: str = SAMPLE_LOCATOR,
    status: str = "Suspicious",
    reviewed_by: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    data = sample_payload()
    data["examMetaData"]["examCode"] = code
    data["examMetaData"]["ssiRecordLocator"] = locator
    data["reviewStatus"] = status
    if reviewed_by is not None:
        data["reviewed_by"] = reviewed_by
    data.update(extra)
    return data


def make_exam(
    course: Course,
    content_id: str | None = None,
    *,
    name: str = "",
    is_proctored: bool = True,
    is_practice: bool = False,
    is_active: bool = True,
) -> ProctoredExam:
    n = next(_seq)
    exam = ProctoredExam(
        course_id=course.id,
        content_id=content_id or f"block-v1:Test+type@sequential+block@e{n}",
        name=name or f"Exam {n}",
        is_proctored=is_proctored,
        is_practice=is_practice,
        is_active=is_active,
    )
    db.session.add(exam)
    db.session.flush()
    return exam


def make_attempt(
    exam: ProctoredExam,
    user: User,
    status: str = "submitted",
    *,
    code: str | None = None,
    external_id: str | None = None,
) -> ExamAttempt:
    n = next(_seq)
    attempt = ExamAttempt(
        exam_id=exam.id,
        user_id=user.id,
        status=status,
        attempt_code=code or f"00000000-0000-4000-8000-{n:012d}",
        external_id=external_id if external_id is not None else f"LOC{n}",
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def make_review(attempt: ExamAttempt, status: str = "Suspicious", reviewer: User | None = None) -> Review:
    review = Review(
        attempt_code=attempt.attempt_code,
        attempt_id=attempt.id,
        review_status=status,
        raw_data={"reviewStatus": status},
        reviewer_id=reviewer.id if reviewer else None,
    )
    db.session.add(review)
    db.session.flush()
    return review


def post_signed(
    client,
    data: Any,
    *,
    secret: str = TEST_WEBHOOK_SECRET,
    now: float | None = None,
    raw: bytes | None = None,
    headers: dict | None = None,
):
    body = raw if raw is not None else json.dumps(data).encode()
    signed = sign_headers(body, secret, now=now if now is not None else time.time())
    return client.post(URL, data=body, headers={**signed, **(headers or {})}, content_type="application/json")


RESET_COURSE = "course-v1:edX+DemoX+Demo_Course"
MIDTERM = "block-v1:edX+DemoX+Demo_Course+type@sequential+block@midterm"
FINAL = "block-v1:edX+DemoX+Demo_Course+type@sequential+block@final"


def reset_world() -> dict:
    """The reset tests' course: staff, two exams, ada's verified and rejected attempts (with credit), bob's
    attempt waiting for a second review (committed)."""
    from tests.builders import make_course, make_course_staff, make_user
    from webapp.models.proctoring import CreditRequirementStatus

    make_user("staff", is_staff=True)
    course = make_course(RESET_COURSE)
    other = make_course("course-v1:MITx+6.00.1x+2026_Fall")
    make_course_staff(make_user("cs"), course, "staff")
    make_course_staff(make_user("inst"), course, "instructor")
    make_course_staff(make_user("elsewhere"), other, "instructor")
    make_user("learner")
    midterm = make_exam(course, MIDTERM, name="Midterm")
    final = make_exam(course, FINAL, name="Final")
    ada, bob = make_user("ada", email="ada@example.com"), make_user("bob", email="bob@example.com")
    a = make_attempt(midterm, ada, "verified", external_id="LOCA")
    b = make_attempt(midterm, bob, "second_review_required", external_id="LOCB")
    c = make_attempt(final, ada, "rejected", external_id="LOCC")
    make_review(a, "Clean")
    make_review(b, "Suspicious")
    for attempt, credit in ((a, "satisfied"), (c, "failed")):
        db.session.add(
            CreditRequirementStatus(
                user_id=attempt.user_id, course_id=course.id, name=attempt.exam.content_id, status=credit
            )
        )
    db.session.commit()
    return {"a": a, "b": b, "c": c, "course": course}
