"""Calendar-limit dates and output paths that cannot be written: a clear refusal, never a traceback."""

from __future__ import annotations

import pytest

from tests.builders import make_course, make_user
from webapp.extensions import db

COURSE = "course-v1:Cal+C+1"


@pytest.fixture
def world():
    make_course(COURSE)
    make_user("staff", is_staff=True)
    db.session.commit()


@pytest.mark.parametrize("as_of", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_completion_page_refuses_a_date_past_the_calendar(client, world, as_of):
    client.login("staff")
    response = client.post("/completion/export.csv", data={"customer": "x", "as_of": as_of})
    assert response.status_code == 400  # refused (the form names the problem), never a 500
    assert "Something went wrong" not in response.get_data(as_text=True)


@pytest.mark.parametrize("as_of", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_completion_cli_refuses_a_date_past_the_calendar_with_exit_2(runner, world, as_of):
    result = runner.invoke(args=["completion", "export", "--customer", "x", "--as-of", as_of])
    assert result.exit_code == 2, (result.output, result.exception)
    assert f"Invalid value for '--as-of': '{as_of}' is not an ISO 8601 date" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["certificates", "import-exceptions", "IN", "--course", COURSE, "--as", "staff", "--errors-csv"],
        ["completion", "export", "--customer", "x", "--out"],
    ],
)
def test_output_paths_that_cannot_be_written_are_usage_errors(runner, world, tmp_path, args):
    roster = tmp_path / "roster.csv"
    roster.write_text("alice\n")
    args = [str(roster) if a == "IN" else a for a in args]
    result = runner.invoke(args=[*args, "/nonexistent/x.csv"])
    assert result.exit_code == 2, (result.output, result.exception)
    assert "cannot write '/nonexistent/x.csv': the folder '/nonexistent' does not exist." in result.output
    assert "Traceback" not in result.output
