"""Browser: sync the demo catalog from the academies page, review the preview, apply, see the list."""

from __future__ import annotations

import os

import pytest

from tests.e2e.conftest import login
from webapp.extensions import db
from webapp.models.academies import Academy
from webapp.services import devdata

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("ACADEMY_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_sync_preview_apply_then_academy_list(page, app):
    devdata.load_spec("webapp/demo/spec.yaml", actor=None)
    if not db.session.query(Academy).filter(Academy.name == "Retired Academy").count():  # (when not in the demo)
        db.session.add(
            Academy(
                name="Retired Academy",
                slug="retired",
                product_key="retired",
                stripe_price_lookup_key="essentials_retired_academy_yearly",
                display_order=99,
            )
        )
        db.session.commit()
    stored = db.session.query(Academy).count()
    login(page, "staff")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Academies").click()
    page.get_by_role("heading", name="Academies", exact=True).wait_for()
    page.get_by_label("The configured catalog").check()
    page.get_by_label("Deactivate academies the catalog no longer lists").check()
    _shot(page, "academies-form")
    page.get_by_role("button", name="Preview the sync").click()

    page.get_by_role("heading", name="Academy sync preview").wait_for()
    text = page.content()
    assert "catalog_academies.json" in text
    assert "no_name" in text and "duplicate_lookup_key" in text
    rows = page.get_by_role("table").locator("tbody tr")
    assert rows.filter(has_text="Retired Academy").get_by_text("Deactivate", exact=True).is_visible()
    _shot(page, "academies-preview")
    assert db.session.query(Academy).count() == stored  # the preview wrote nothing

    page.get_by_role("navigation", name="Rows by action").get_by_role("link", name="Skip").click()
    assert page.get_by_role("table").get_by_text("the item has no name, title or short_name").is_visible()
    page.get_by_role("navigation", name="Rows by action").get_by_role("link", name="All").click()
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("Applied", exact=False).first.wait_for()
    assert "Academy sync result" in page.content()
    _shot(page, "academies-result")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Academies").click()
    table = page.get_by_role("table")
    assert table.get_by_text("Data Science", exact=True).is_visible()
    assert table.get_by_text("AI & Machine Learning", exact=True).is_visible()
    retired = table.locator("tbody tr").filter(has_text="Retired Academy")
    assert retired.get_by_text("inactive").is_visible()
    page.get_by_role("searchbox").fill("cyber")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("table").locator("tbody tr").count() == 1
    _shot(page, "academies-list")
    page.get_by_role("link", name="Sync history").click()
    assert page.get_by_role("table").get_by_text("applied").is_visible()
