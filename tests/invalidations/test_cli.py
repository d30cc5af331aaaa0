"""`flask certificates import-invalidations` and `flask certificates list`."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.builders import allow, invalidate
from tests.invalidations.helpers import COURSE, invalidations_count, status_of, world
from webapp.extensions import db
from webapp.statuses import CertificateStatus


@pytest.fixture
def w():
    return world()


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "invalidate.csv"
    path.write_text("username_or_email,notes\nana,copied\nghost\ncy\nfi@example.com,=1+1\n", encoding="utf-8")
    return path


def invoke(runner, *args):
    return runner.invoke(args=["certificates", *args])


def test_dry_run_prints_one_json_object_and_writes_nothing(runner, w, roster):
    result = invoke(
        runner, "import-invalidations", str(roster), "--course", COURSE, "--as", "instructor", "--dry-run", "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "previewed" and data["kind"] == "certificates.invalidate"
    assert data["counts"] == {
        "create": 2,
        "update": 0,
        "delete": 0,
        "deactivate": 0,
        "unchanged": 0,
        "skip": 0,
        "error": 2,
    }
    assert [(r["row"], r["code"]) for r in data["rows"]] == [(3, "unknown_learner"), (4, "certificate_not_valid")]
    assert invalidations_count() == 0


def test_import_applies_and_writes_the_error_report(runner, w, roster, tmp_path):
    out = tmp_path / "errors.csv"
    result = invoke(
        runner,
        "import-invalidations",
        str(roster),
        "--course",
        COURSE,
        "--as",
        "instructor",
        "--errors-csv",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "applied" in result.output and "written 2, failed 0" in result.output
    db.session.expire_all()
    assert status_of(w["ana"]) == status_of(w["fi"]) == CertificateStatus.UNAVAILABLE
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["username_or_email", "notes", "row", "code", "message"]
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [
        ("ghost", "3", "unknown_learner"),
        ("cy", "4", "certificate_not_valid"),
    ]


def test_a_refused_file_exits_1(runner, w, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("username\n", encoding="utf-8")
    result = invoke(runner, "import-invalidations", str(empty), "--course", COURSE, "--as", "staff")
    assert result.exit_code == 1 and "no learner rows" in result.output
    latin = tmp_path / "latin.csv"
    latin.write_bytes("ana,caf\u00e9\n".encode("cp1252"))
    assert invoke(runner, "import-invalidations", str(latin), "--course", COURSE, "--as", "staff").exit_code == 1
    ok = invoke(
        runner,
        "import-invalidations",
        str(latin),
        "--course",
        COURSE,
        "--as",
        "staff",
        "--encoding",
        "cp1252",
        "--json",
    )
    assert ok.exit_code == 0 and json.loads(ok.output)["counts"]["create"] == 1


def test_permission_and_usage_errors(runner, w, roster):
    outsider = invoke(runner, "import-invalidations", str(roster), "--course", COURSE, "--as", "outsider")
    assert outsider.exit_code == 1 and "not staff" in outsider.output
    nobody = invoke(runner, "import-invalidations", str(roster), "--course", COURSE, "--as", "nobody")
    assert nobody.exit_code == 1
    assert invoke(runner, "import-invalidations", str(roster), "--as", "staff").exit_code == 2
    assert invalidations_count() == 0


def test_list_prints_csv_with_username_status_special_case(runner, w):
    allow(w["fi"], w["course"])
    invalidate(w["ana_cert"])
    db.session.commit()
    result = invoke(runner, "list", "--course", COURSE)
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["username", "status", "special_case"]
    assert rows[1:] == [
        ["ana", "unavailable", "invalidated"],
        ["bo", "generating", ""],
        ["cy", "notpassing", ""],
        ["di", "audit_passing", ""],
        ["ed", "error", ""],
        ["fi", "downloadable", "exception"],
    ]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Invalidated", ["ana"]),
        ("Audit – passing", ["di"]),
        ("not_received", ["ana", "cy"]),
        ("Error state", ["ed"]),
        ("granted exceptions", ["fi"]),
        ("RECEIVED", ["fi"]),
    ],
)
def test_list_filter_by_label_or_value(runner, w, label, expected):
    allow(w["fi"], w["course"])
    invalidate(w["ana_cert"])
    db.session.commit()
    result = invoke(runner, "list", "--course", COURSE, "--filter", label)
    assert result.exit_code == 0, result.output
    assert [r[0] for r in csv.reader(io.StringIO(result.output))][1:] == expected


def test_list_refuses_an_unknown_filter_or_course(runner, w):
    bad = invoke(runner, "list", "--course", COURSE, "--filter", "shiny")
    assert bad.exit_code == 1 and "Unknown filter" in bad.output
    assert invoke(runner, "list", "--course", "course-v1:edX+Nope+2026").exit_code == 1
    assert invoke(runner, "list", "--course", COURSE, "--as", "outsider").exit_code == 1
