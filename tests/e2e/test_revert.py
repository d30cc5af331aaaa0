"""Browser: revert an exceptions import that touched learners with earned certificates (issue 12 #1).

The revert restores each row's recorded before-state and nothing else: the exceptions the import added are
deleted, the certificates the learners already held stay downloadable ("Received"), and the learners can be
added again at once. The revert preview names what it will do before anything is written.
"""

from __future__ import annotations

import re

import pytest

from tests.builders import enroll, make_certificate, make_course, make_course_staff, make_user
from tests.e2e.conftest import login
from webapp.extensions import db

pytestmark = pytest.mark.e2e

COURSE = "course-v1:edX+Revert+2026"
EARNED = ["ada_earned", "grace_earned"]  # hold a downloadable certificate before the import
PLAIN = ["alan_plain", "edsger_plain"]  # no certificate


def _world(tmp_path) -> str:
    course = make_course(COURSE, name="Revert Course")
    make_course_staff(make_user("instructor"), course, role="instructor")
    for name in EARNED + PLAIN:
        learner = make_user(name)
        enroll(learner, course)
        if name in EARNED:
            make_certificate(learner, course, grade=0.92)
    db.session.commit()
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "username_or_email,notes\n" + "".join(f"{name},Exception for {name}\n" for name in EARNED + PLAIN),
        encoding="utf-8",
    )
    return str(roster)


def _upload(page, roster: str) -> None:
    page.goto(f"/courses/{COURSE}/certificates/exceptions")
    page.get_by_label("CSV file", exact=True).set_input_files(roster)
    page.get_by_role("button", name="Upload and preview", exact=True).click()
    page.wait_for_url("**/plans/*")


def _status_of(page, username: str) -> str:
    row = page.locator("#issued-certificates tbody tr").filter(has_text=username)
    return row.locator("td").nth(3).inner_text().strip()


def test_revert_leaves_earned_certificates_downloadable_and_learners_addable(page, app, tmp_path):
    roster = _world(tmp_path)
    login(page, "instructor")

    # import: four exceptions created, two of them for learners who already hold a certificate
    _upload(page, roster)
    tabs = page.get_by_role("navigation", name="Rows by action")
    assert tabs.get_by_role("link", name="Create 4").is_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Apply: create 4 exceptions").click()
    assert page.get_by_text("Applied: 4 changes written, 0 failed.").is_visible()
    import_url = page.url

    # plan the revert from the result page: a preview, nothing written yet
    page.get_by_role("button", name="Plan a revert").click()
    page.wait_for_url(lambda url: url != import_url)
    assert page.get_by_role("heading", name="preview").is_visible()
    assert page.get_by_text(f"reverts plan #{import_url.rsplit('/', 1)[-1]}").is_visible()
    rows = page.locator("table.plan-rows tbody tr")
    assert rows.count() == 4
    for name in EARNED:
        row = rows.filter(has_text=name)
        assert row.count() == 1
        text = row.inner_text()
        assert "the exception the import added is deleted" in text
        assert "is not touched" in text, text  # the earned certificate is named and left alone
        assert "becomes unavailable" not in text
    for name in PLAIN:
        text = rows.filter(has_text=name).inner_text()
        assert "the exception the import added is deleted" in text
        assert "certificate" not in text
    # nothing destructive is announced for the earned certificates anywhere on the preview
    assert page.get_by_text("becomes unavailable").count() == 0

    # apply the revert
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Apply: remove 4 exceptions").click()
    assert page.get_by_text("Applied: 4 changes written, 0 failed.").is_visible()

    # the import now says who reverted it, and offers no second revert
    revert_id = page.url.rsplit("/", 1)[-1]
    page.goto(import_url)
    assert page.get_by_text(f"Reverted by plan #{revert_id}").is_visible()
    assert page.get_by_role("button", name="Plan a revert").count() == 0

    # the earned certificates are still Received; no exception is left
    page.goto(f"/courses/{COURSE}/certificates/")
    for name in EARNED:
        assert _status_of(page, name) == "Received", name
    page.get_by_role("navigation", name="Filter certificates").get_by_role("link", name="Received 2").click()
    for name in EARNED:
        assert page.locator("#issued-certificates tbody tr").filter(has_text=name).count() == 1

    # the learners can be added again at once: the same roster previews four creates and no errors
    _upload(page, roster)
    tabs = page.get_by_role("navigation", name="Rows by action")
    assert tabs.get_by_role("link", name="Create 4").is_visible()
    assert tabs.get_by_role("link", name=re.compile(r"^Errors [1-9]")).count() == 0
    assert page.get_by_text("certificate_invalidated").count() == 0
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Apply: create 4 exceptions").click()
    assert page.get_by_text("Applied: 4 changes written, 0 failed.").is_visible()
    page.goto(f"/courses/{COURSE}/certificates/")
    for name in EARNED:
        assert _status_of(page, name) == "Received", name
