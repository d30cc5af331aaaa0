"""Browser: grant exceptions from the sample roster: upload → preview → filter errors → apply → error report."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from tests.e2e.conftest import login
from webapp.services import devdata

pytestmark = pytest.mark.e2e

DEMO = Path(__file__).resolve().parents[2] / "webapp" / "demo"
SHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder to keep screenshots in, when set


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_upload_preview_filter_apply_and_download_error_report(page, app, tmp_path):
    top = tmp_path / "spec.yaml"
    top.write_text(f"- data_spec_path: {DEMO / 'core.yaml'}\n- data_spec_path: {DEMO / 'certificates.yaml'}\n")
    devdata.load_spec(top, actor=None)
    login(page, "instructor")  # certificate changes: instructor role (domain §0)
    page.get_by_role("link", name="Demonstration Course").click()
    page.get_by_role("link", name="Exceptions").click()
    assert page.get_by_role("heading", name="Grant exceptions from a CSV file").is_visible()
    medical = "Medical leave during the final exam; approved by the course team"
    assert page.get_by_role("cell", name=medical).is_visible()
    _shot(page, "exceptions-page")

    page.get_by_label("CSV file", exact=True).set_input_files(str(DEMO / "sample_exceptions.csv"))
    page.get_by_role("button", name="Upload and preview", exact=True).click()
    page.wait_for_url("**/plans/*")
    assert page.get_by_role("heading", name="Certificate exceptions preview").is_visible()
    tabs = page.get_by_role("navigation", name="Rows by action")
    assert tabs.get_by_role("link", name="Errors 4").is_visible()
    assert tabs.get_by_role("link", name="Create 22").is_visible()
    _shot(page, "exceptions-preview")

    tabs.get_by_role("link", name="Errors 4").click()
    rows = page.locator("table.plan-rows tbody tr")
    assert rows.count() == 4
    assert page.get_by_text("jane.doe.typo@example.com does not exist; check the spelling").is_visible()
    assert page.get_by_text("certificate_invalidated").is_visible()
    _shot(page, "exceptions-errors")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Apply: create 22 exceptions and update 1 exception").click()
    assert page.get_by_text("Applied: 23 changes written, 0 failed.").is_visible()
    assert page.get_by_role("heading", name="Certificate exceptions result").is_visible()
    _shot(page, "exceptions-result")

    with page.expect_download() as info:  # exactly the 4 errors the tab counts (issue 12 #7)
        page.get_by_role("link", name="Download error report (CSV, 4 rows)").click()
    report = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
    assert report[0] == ["username_or_email", "notes", "row", "code", "message"]
    assert [(r[2], r[3]) for r in report[1:]] == [
        ("11", "unknown_learner"),
        ("12", "certificate_invalidated"),
        ("17", "not_enrolled"),
        ("21", "not_enrolled"),
    ]
    with page.expect_download() as info:  # the superseded duplicate is listed apart
        page.get_by_role("link", name="Download skipped rows (CSV, 1 row)").click()
    skipped = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
    assert [(r[2], r[3]) for r in skipped[1:]] == [("3", "duplicate_row")]

    # back to the allowlist through the breadcrumb: the new learners are on it
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Demonstration Course").click()
    page.get_by_role("link", name="Exceptions").click()
    page.get_by_label("Search").fill("layla_jrgensen")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("cell", name="Completed all labs; final exam missed for a family emergency").is_visible()
    _shot(page, "exceptions-after")


def test_remove_one_learner_after_confirmation(page, app, tmp_path):
    top = tmp_path / "spec.yaml"
    top.write_text(f"- data_spec_path: {DEMO / 'core.yaml'}\n- data_spec_path: {DEMO / 'certificates.yaml'}\n")
    devdata.load_spec(top, actor=None)
    login(page, "instructor")  # certificate changes: instructor role (domain §0)
    page.goto("/courses/course-v1:edX+DemoX+Demo_Course/certificates/exceptions")
    page.get_by_role("link", name="Remove mei_schroder").click()
    assert page.get_by_role("heading", name="Remove mei_schroder from the allowlist?").is_visible()
    assert page.get_by_text("becomes unavailable").is_visible()
    _shot(page, "exceptions-remove-confirm")
    page.get_by_role("button", name="Remove exception").click()
    assert page.get_by_text("becomes unavailable").first.is_visible()
    assert page.get_by_role("cell", name="Teaching assistant").count() == 0
    _shot(page, "exceptions-removed")
