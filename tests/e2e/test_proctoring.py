"""Browser: review queue -> needs attention -> review page -> second review -> attempt rejected / verified."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from tests.e2e.conftest import login
from webapp.extensions import db
from webapp.models.proctoring import ExamAttempt
from webapp.services import devdata

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("PROCTORING_SCREENSHOTS")
DEMO = os.path.abspath("webapp/demo")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def demo(app, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"- data_spec_path: {DEMO}/core.yaml\n- data_spec_path: {DEMO}/proctoring.yaml\n")
    devdata.load_spec(spec, actor=None)


def _status(username: str, exam: str = "Midterm") -> str:
    db.session.expire_all()
    from webapp.models import User
    from webapp.models.proctoring import ProctoredExam

    return db.session.scalar(
        select(ExamAttempt.status)
        .join(User, User.id == ExamAttempt.user_id)
        .join(ProctoredExam)
        .where(User.username == username, ProctoredExam.name == exam)
    )


def _second_review(page, username: str, decision_label: str, note: str) -> None:
    page.get_by_role("link", name=f"Open the review of {username}").click()
    page.get_by_role("heading", name=f"Review of {username}", exact=False).wait_for()
    page.get_by_label(decision_label).check()
    page.get_by_label("Note").fill(note)
    page.get_by_role("button", name="Record second review").click()
    page.locator("#consequence").wait_for()  # the confirmation states the consequence first
    page.get_by_role("button", name="Confirm: record the second review").click()
    page.get_by_text("Second review recorded").wait_for()


def test_queue_needs_attention_review_second_review(page, demo):
    login(page, "staff")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Proctoring reviews").click()
    page.get_by_role("heading", name="Proctoring reviews").wait_for()
    queue = page.locator("#review-queue tbody tr")
    assert queue.count() >= 10
    _shot(page, "queue")

    page.get_by_role("link", name="Needs attention").first.click()
    page.get_by_role("heading", name="Needs attention").wait_for()
    names = page.locator("#review-queue tbody tr td:nth-child(2) a").all_inner_texts()
    assert sorted(names) == ["ana_hassan", "lucia_mensah", "yusuf_ozturk"]
    _shot(page, "needs-attention")

    page.get_by_role("link", name="Open the review of ana_hassan").click()
    page.get_by_role("heading", name="Review of ana_hassan", exact=False).wait_for()
    assert page.get_by_text("Phone visible on the desk").is_visible()
    assert "Second review required" in page.locator("#attempt-status").inner_text()
    assert page.get_by_text("Needs attention:").is_visible()
    _shot(page, "review")
    page.get_by_label("Suspicious Attempt becomes Rejected").check()
    page.get_by_label("Note").fill("Phone in view for a full minute.")
    page.get_by_role("button", name="Record second review").click()
    consequence = page.locator("#consequence").inner_text()
    assert "The attempt becomes rejected; the credit requirement becomes failed" in consequence
    assert _status("ana_hassan") == "second_review_required"  # nothing written before the confirmation
    _shot(page, "second-review-confirm")
    page.get_by_role("button", name="Confirm: record the second review").click()
    page.get_by_text("Second review recorded").wait_for()
    assert "Rejected" in page.locator("#attempt-status").inner_text()
    assert "Failed" in page.locator("#credit-status").inner_text()
    assert page.locator("#reviewer").inner_text().strip() == "staff"
    assert page.locator("#history tbody tr").count() == 1
    _shot(page, "review-after")
    assert _status("ana_hassan") == "rejected"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Proctoring reviews").click()
    page.get_by_role("link", name="Needs attention").first.click()
    names = page.locator("#review-queue tbody tr td:nth-child(2) a").all_inner_texts()
    assert "ana_hassan" not in names
    _second_review(page, "yusuf_ozturk", "Passed Attempt becomes Verified", "Voice was the TV; fine.")
    assert "Verified" in page.locator("#attempt-status").inner_text()
    assert _status("yusuf_ozturk") == "verified"


def test_course_staff_course_tab(page, demo):
    login(page, "course_staff")
    page.goto("/courses/course-v1:edX+DemoX+Demo_Course/proctoring/")
    page.get_by_role("heading", name="Exams").wait_for()
    assert page.locator("#exams tbody tr").count() == 3
    _shot(page, "course-tab")
    page.get_by_role("link", name="Midterm").first.click()
    page.locator("#attempts").wait_for()
    assert page.locator("#attempts tbody tr").count() == 9
    _shot(page, "attempts")
    page.goto("/courses/course-v1:MITx+6.00.1x+2026_Fall/proctoring/")
    assert "not staff" in page.content()


def test_replay_upload_preview_apply(page, demo, tmp_path):
    import json

    from tests.proctoring.builders import sample_payload

    sample = sample_payload()  # the shared sample file, or its copy when it is not there
    unknown = json.loads(json.dumps(sample))
    unknown["examMetaData"]["examCode"] = "DEADBEEF-0000-4000-8000-000000000000"
    path = tmp_path / "backlog.jsonl"
    path.write_text(json.dumps(sample) + "\n" + json.dumps(unknown) + "\n")
    login(page, "staff")
    page.goto("/proctoring/reviews")
    page.get_by_label("Payload file").set_input_files(str(path))
    page.get_by_role("button", name="Preview the replay").click()
    page.get_by_role("heading", name="Proctoring review replay preview").wait_for()
    assert "unknown_attempt" in page.content()
    assert "attempt Submitted → Second review required" in page.content()
    _shot(page, "replay-preview")
    assert _status("learner004") == "submitted"  # the preview wrote nothing
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("heading", name="Proctoring review replay result").wait_for()
    _shot(page, "replay-result")
    assert _status("learner004") == "second_review_required"
