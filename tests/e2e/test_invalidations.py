"""Browser: invalidate learners from a CSV → preview → apply → the issued list shows them under Invalidated."""

from __future__ import annotations

import os
import re

import pytest

from tests.builders import enroll, make_certificate, make_course, make_course_staff, make_user
from tests.e2e.conftest import login
from webapp.extensions import db
from webapp.statuses import CertificateStatus

pytestmark = pytest.mark.e2e

COURSE = "course-v1:edX+E2E+2026"
SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"invalidations-{name}.png"), full_page=True)


def test_invalidate_from_csv_then_see_them_under_invalidated(page, app, tmp_path):
    course = make_course(COURSE, name="E2E Course")
    make_course_staff(make_user("instructor"), course, role="instructor")
    for name, status in (
        ("ana", CertificateStatus.DOWNLOADABLE),
        ("bo", CertificateStatus.DOWNLOADABLE),
        ("cy", CertificateStatus.NOTPASSING),
        ("di", CertificateStatus.DOWNLOADABLE),
    ):
        user = make_user(name)
        enroll(user, course)
        make_certificate(user, course, status)
    db.session.commit()
    roster = tmp_path / "invalidate.csv"
    roster.write_text(
        "username,notes\nana,Copied answers\nbo@example.com,Shared account\ncy\nghost\n", encoding="utf-8"
    )

    login(page, "instructor")
    page.goto(f"/courses/{COURSE}/certificates/invalidations")
    page.get_by_label("CSV file", exact=True).set_input_files(str(roster))
    page.get_by_role("button", name="Preview invalidations").click()
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    assert page.get_by_role("heading", name=re.compile("Certificate invalidations preview")).is_visible()
    shot(page, "preview")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role(
        "button", name=re.compile(r"^Apply: create 2 invalidations and make 2 certificates unavailable")
    ).click()
    page.get_by_text("Applied: 2 changes written, 0 failed.").wait_for()

    page.goto(f"/courses/{COURSE}/certificates/")
    page.get_by_role("link", name=re.compile(r"^Invalidated\s+2$")).click()
    rows = page.locator("#issued-certificates tbody tr")
    assert rows.count() == 2
    assert [rows.nth(i).locator("td").first.inner_text().split()[0] for i in range(2)] == ["ana", "bo"]
    assert all("Invalidation" in rows.nth(i).locator("td").nth(4).inner_text() for i in range(2))
    shot(page, "issued")

    page.get_by_role("link", name="Invalidations", exact=True).click()
    page.wait_for_url(re.compile(r"/certificates/invalidations$"))  # count only once the list has loaded
    assert page.locator("#invalidations tbody tr").count() == 2
    shot(page, "list")
