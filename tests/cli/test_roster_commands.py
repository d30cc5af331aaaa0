"""The three roster commands share their options and their refusals."""

from __future__ import annotations

import pytest

from tests.builders import make_course, make_user
from webapp.extensions import db


@pytest.mark.parametrize("command", ["import-exceptions", "remove-exceptions", "import-invalidations"])
def test_unreadable_file_is_refused_with_exit_1(runner, tmp_path, command):
    make_course("course-v1:A+B+C")
    make_user("staff", is_staff=True)
    db.session.commit()
    result = runner.invoke(
        args=["certificates", command, str(tmp_path / "missing.csv"), "--course", "course-v1:A+B+C", "--as", "staff"]
    )
    assert result.exit_code == 1 and "Cannot read" in result.output and "missing.csv" in result.output


@pytest.mark.parametrize("command", ["import-exceptions", "remove-exceptions", "import-invalidations"])
def test_every_roster_command_has_the_same_options(runner, command):
    result = runner.invoke(args=["certificates", command, "--help"])
    assert result.exit_code == 0
    for option in ("--course", "--as", "--encoding", "--dry-run", "--json", "--errors-csv"):
        assert option in result.output
