"""Browser: the keyboard alone logs in, and the whole upload → preview → apply flow works without JavaScript."""

from __future__ import annotations

import pytest

from tests.builders import enroll, make_course, make_user
from webapp.extensions import db

pytestmark = pytest.mark.e2e
COURSE = "course-v1:A11y+K+2026"


@pytest.fixture
def roster_world():
    course = make_course(COURSE, name="Keyboard course")
    make_user("staff", is_staff=True)
    for name in ("ana", "bo"):
        enroll(make_user(name), course)
    db.session.commit()


def test_keyboard_only_login(page, roster_world):
    page.goto("/login")
    assert page.evaluate("document.activeElement.name") == "username"  # focused on arrival
    page.keyboard.type("staff")
    page.keyboard.press("Tab")
    page.keyboard.type("edx")
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    page.keyboard.press("Tab")  # on every other page the first stop is the skip link
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    assert page.get_by_role("link", name="Keyboard course").is_visible()


def test_upload_preview_apply_without_javascript(browser, live_server, roster_world, tmp_path):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/login")
        page.get_by_label("Username or email").fill("staff")
        page.get_by_label("Password").fill("edx")
        page.get_by_role("button", name="Log in").click()
        roster = tmp_path / "roster.csv"
        roster.write_text("username,notes\nana,Scholarship\nbo,\nghost,?\n")
        page.goto(f"/courses/{COURSE}/certificates/exceptions")
        page.locator("#file").set_input_files(str(roster))
        page.get_by_role("button", name="Upload and preview", exact=True).click()
        assert page.get_by_role("heading", name="Certificate exceptions preview").is_visible()
        page.get_by_role("button", name="Apply: create 2 exceptions").click()
        assert "Applied: 2 changes written, 0 failed." in page.content()
        assert page.get_by_role("heading", name="Certificate exceptions result").is_visible()
    finally:
        context.close()
