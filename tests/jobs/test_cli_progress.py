"""The command line draws the engine's progress as a bar on stderr for long commands, never with --json."""

from __future__ import annotations

import json

import pytest

from tests.certificates.helpers import COURSE_A, world_with_learners
from tests.jobs.helpers import many_learners, roster


@pytest.fixture
def bar_at_once(app):
    saved = app.config["PROGRESS_BAR_AFTER_SECONDS"]
    app.config["PROGRESS_BAR_AFTER_SECONDS"] = 0.0  # every command counts as long here
    yield
    app.config["PROGRESS_BAR_AFTER_SECONDS"] = saved


def _import(runner, tmp_path, *extra: str):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster(30))
    return runner.invoke(
        args=["certificates", "import-exceptions", str(path), "--course", COURSE_A, "--as", "instructor", *extra]
    )


def test_a_long_command_draws_a_progress_bar_on_stderr(runner, tmp_path, bar_at_once):
    w = world_with_learners()
    many_learners(w["course_a"], 30)
    result = _import(runner, tmp_path)
    assert result.exit_code == 0, result.output
    assert "Applying           [##############################] 30 / 30 rows" in result.stderr
    assert "Deciding each row  [" in result.stderr
    assert "[" not in result.stdout  # the summary on stdout is unchanged


def test_no_bar_with_json(runner, tmp_path, bar_at_once):
    w = world_with_learners()
    many_learners(w["course_a"], 30)
    result = _import(runner, tmp_path, "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert json.loads(result.stdout)["status"] == "applied"


def test_a_command_quicker_than_the_delay_draws_no_bar(app, runner, tmp_path):
    w = world_with_learners()
    many_learners(w["course_a"], 30)
    app.config["PROGRESS_BAR_AFTER_SECONDS"] = 600.0
    try:
        result = _import(runner, tmp_path)
    finally:
        app.config["PROGRESS_BAR_AFTER_SECONDS"] = 1.0
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
