"""`flask data load`: NaN and infinities never pass a range check; an int field fits its INTEGER column, and
both are refused when the plan is made (decide time), not when it is applied."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.cli.test_data_load import load, write
from webapp.extensions import db
from webapp.models import Certificate
from webapp.models.academies import Academy

BASE = """
users:
  - {username: ada, email: ada@example.com}
courses:
  - {id: "course-v1:edX+DemoX+Demo_Course", name: Demo}
"""


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf"])
def test_a_grade_that_is_not_a_finite_number_is_refused(runner, tmp_path, value):
    spec = (
        BASE
        + 'certificates:\n  - {username: ada, course: "course-v1:edX+DemoX+Demo_Course", status: downloadable, '
        + f"grade: {value}}}\n"
    )
    code, result = load(runner, write(tmp_path, "s.yaml", spec))
    assert code == 0 and result["status"] == "previewed" and result["counts"]["error"] == 1
    (row,) = result["rows"]
    assert "certificates entry 1" in row["message"]
    assert "field 'grade' must be a finite number, not" in row["message"]
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


@pytest.mark.parametrize(
    ("order", "refused"),
    [(2**31 - 1, False), (2**31, True), (-(2**31), False), (-(2**31) - 1, True)],
)
def test_display_order_has_the_range_of_its_column(runner, tmp_path, order, refused):
    spec = f"academies:\n  - {{name: Ranged, display_order: {order}}}\n"
    code, result = load(runner, write(tmp_path, "s.yaml", spec))
    assert code == 0
    if refused:
        assert result["status"] == "previewed" and result["counts"]["error"] == 1
        assert "field 'display_order' must be between -2147483648 and 2147483647" in result["rows"][0]["message"]
        assert db.session.scalar(select(func.count()).select_from(Academy)) == 0
    else:
        assert result["status"] == "applied" and result["counts"]["create"] == 1
        assert db.session.scalar(select(Academy.display_order)) == order
