"""`flask completion export`: the file, only-changes, recording with no actor, exit codes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.builders import enroll, make_course, make_user
from tests.completion.builders import AS_OF, ENDED, consent, export, grade, make_customer, make_learner, parse_csv
from webapp.extensions import db
from webapp.models import AuditEvent, User
from webapp.models.enterprise import CompletionExport, CompletionExportRecord, GradeRecord

HEADER = [
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


@pytest.fixture
def world():
    customer = make_customer("acme")
    course = make_course("course-v1:Org+SP+2026", pacing="self", end=ENDED)
    other = make_course("course-v1:Org+IP+2026", pacing="instructor")
    for name, percent in (("ann", 0.9), ("ben", 0.3)):
        user = make_user(name)
        make_learner(customer, user)
        for c in (course, other):
            enroll(user, c)
            consent(customer, user, c.key)
        grade(user, course.key, percent, percent >= 0.5)
    db.session.commit()
    return {"course": course, "other": other}


def test_out_file_has_the_exact_header_and_a_bom(runner, world, tmp_path):
    out = tmp_path / "acme.csv"
    result = runner.invoke(args=["completion", "export", "--customer", "acme", "--as-of", AS_OF, "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + ",".join(HEADER).encode() + b"\r\n")
    rows = parse_csv(raw.decode("utf-8"))
    assert [(r["course_id"], r["username"], r["grade"]) for r in rows] == [
        ("course-v1:Org+IP+2026", "ann", "In Progress"),
        ("course-v1:Org+IP+2026", "ben", "In Progress"),
        ("course-v1:Org+SP+2026", "ann", "Pass"),
        ("course-v1:Org+SP+2026", "ben", "Fail"),
    ]
    assert "4 records, 0 skipped" in result.stdout and str(out) in result.stdout


def test_stdout_has_the_header_without_bom_and_the_summary_on_stderr(runner, world):
    result = runner.invoke(args=["completion", "export", "--customer", "acme", "--as-of", AS_OF])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == ",".join(HEADER)
    assert "4 records" in result.stderr and "records" not in result.stdout


def test_course_option_limits_the_export(runner, world):
    rows = export(runner, "--customer", "acme", "--course", "course-v1:Org+SP+2026", "--as-of", AS_OF)
    assert {r["course_id"] for r in rows} == {"course-v1:Org+SP+2026"}


def test_every_export_is_recorded_with_no_actor(runner, world):
    export(runner, "--customer", "acme", "--as-of", AS_OF)
    export_row = db.session.scalar(select(CompletionExport))
    assert export_row.actor_id is None and export_row.exported == 4 and export_row.skipped == 0
    assert db.session.scalar(select(func.count()).select_from(CompletionExportRecord)) == 4
    with db.engine.connect() as other_connection:  # committed, not only flushed in this session
        assert other_connection.scalar(select(func.count()).select_from(CompletionExportRecord)) == 4
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "completion.export"))
    assert event.actor_id is None and event.actor_name == "system (command line)"


def test_only_changes_leaves_out_grades_already_exported(runner, world):
    assert len(export(runner, "--customer", "acme", "--as-of", AS_OF, "--only-changes")) == 4  # never exported
    assert export(runner, "--customer", "acme", "--as-of", AS_OF, "--only-changes") == []
    record = db.session.scalar(select(GradeRecord).where(GradeRecord.percent == 0.3))
    record.passed = True
    db.session.commit()

    rows = export(runner, "--customer", "acme", "--as-of", AS_OF, "--only-changes")

    assert [(r["username"], r["course_id"], r["grade"]) for r in rows] == [("ben", "course-v1:Org+SP+2026", "Pass")]
    assert export(runner, "--customer", "acme", "--as-of", AS_OF, "--only-changes") == []
    # without the option, everything again
    assert len(export(runner, "--customer", "acme", "--as-of", AS_OF)) == 4


def test_only_changes_compares_per_customer(runner, world):
    other = make_customer("other")
    for name in ("ann", "ben"):
        user = db.session.scalar(select(User).where(User.username == name))
        make_learner(other, user)
        consent(other, user, world["course"].key)
    db.session.commit()
    export(runner, "--customer", "acme", "--as-of", AS_OF)
    assert len(export(runner, "--customer", "other", "--as-of", AS_OF, "--only-changes")) == 2


def test_json_summary(runner, world, tmp_path):
    out = tmp_path / "x.csv"
    result = runner.invoke(
        args=["completion", "export", "--customer", "acme", "--as-of", "2026-07-01", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["exported"] == 4 and data["as_of"] == "2026-07-01T00:00:00Z"
    assert data["counts"] == {"Fail": 1, "In Progress": 2, "Pass": 1}


def test_unknown_customer_exits_1(runner, world):
    result = runner.invoke(args=["completion", "export", "--customer", "nobody"])
    assert result.exit_code == 1
    assert "no enterprise customer 'nobody'" in result.stderr
    assert db.session.scalar(select(func.count()).select_from(CompletionExport)) == 0


@pytest.mark.parametrize("args", [["--as-of", "yesterday"], ["--json"], []])
def test_usage_errors_exit_2(runner, world, args):
    base = ["completion", "export"] + (["--customer", "acme"] if args else [])
    result = runner.invoke(args=base + args)
    assert result.exit_code == 2, result.output
    assert db.session.scalar(select(func.count()).select_from(CompletionExport)) == 0


def test_bad_course_key_exits_1(runner, world):
    result = runner.invoke(args=["completion", "export", "--customer", "acme", "--course", "not a key"])
    assert result.exit_code == 1
    assert "is not a course key" in result.stderr
