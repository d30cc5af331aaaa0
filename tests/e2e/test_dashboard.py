"""Browser: log in as global staff and see every demo course on the dashboard."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login
from webapp.services import devdata

pytestmark = pytest.mark.e2e


def test_staff_logs_in_and_sees_the_demo_courses(page, app):
    devdata.load_spec("webapp/demo/spec.yaml", actor=None)
    login(page, "staff")
    table = page.get_by_role("table")
    for key in ("course-v1:edX+DemoX+Demo_Course", "edX/Open_DemoX/edx_demo_course"):
        assert table.get_by_text(key, exact=True).is_visible()
    page.get_by_role("link", name="Demonstration Course").click()
    page.get_by_role("heading", name="Demonstration Course").wait_for()  # the click navigates; wait for the page
    assert page.get_by_role("heading", name="Demonstration Course").is_visible()
    assert "Enrollments" in page.content()
