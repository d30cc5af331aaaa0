"""Browser: pick a customer, preview who is in the completion file and who is not, download it."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.e2e.conftest import login
from webapp.extensions import db
from webapp.models.enterprise import CompletionExport
from webapp.services import devdata

pytestmark = pytest.mark.e2e
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, name), full_page=True)


def _exports() -> int:
    db.session.rollback()  # see what the server thread committed
    return db.session.scalar(select(func.count()).select_from(CompletionExport))


def test_preview_then_download_the_completion_file(page, app, tmp_path):
    top = tmp_path / "demo.yaml"
    top.write_text(
        f"- data_spec_path: {os.path.abspath('webapp/demo/core.yaml')}\n"
        f"- data_spec_path: {os.path.abspath('webapp/demo/enterprise.yaml')}\n"
    )
    devdata.load_spec(top, actor=None)
    login(page, "staff")

    page.get_by_role("link", name="Completion export").click()
    page.get_by_label("Enterprise customer").select_option("acme")
    page.get_by_label("As of (UTC)").fill("2026-07-01")
    page.get_by_role("button", name="Preview").click()

    in_file = page.get_by_role("heading", name="in the file")
    assert in_file.is_visible()
    included = int(in_file.inner_text().split()[0].replace(",", ""))
    assert included > 0
    assert "as_of=2026-07-01" in page.url  # a GET: the preview is bookmarkable
    assert page.get_by_text("Downloading records this export").is_visible()
    _shot(page, "completion-preview.png")

    page.get_by_role("link", name="Skipped").first.click()
    assert page.get_by_text("Course unknown").first.is_visible()
    assert page.get_by_role("cell", name="No data-sharing consent").first.is_visible()
    _shot(page, "completion-skipped.png")
    assert _exports() == 0  # previewing recorded nothing

    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("completion-acme-")
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == [
        "customer",
        "username",
        "email",
        "course_id",
        "mode",
        "pacing",
        "completed",
        "completed_date",
        "completed_timestamp",
        "grade",
        "grade_percent",
        "source",
    ]
    assert len(rows) == included
    assert {r["customer"] for r in rows} == {"acme"}
    assert [r["course_id"] for r in rows] == sorted(r["course_id"] for r in rows)
    assert {r["grade"] for r in rows} <= {"Pass", "Fail", "In Progress", "Audit", ""}  # "": no grade yet
    assert _exports() == 1

    page.get_by_label("Only changes since the last export").check()
    page.get_by_role("button", name="Preview").click()
    assert page.get_by_role("heading", name="in the file").inner_text().startswith("0 ")
    _shot(page, "completion-only-changes.png")
