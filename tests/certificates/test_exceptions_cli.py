"""`flask certificates import-exceptions | remove-exceptions | exceptions` (design §7)."""

from __future__ import annotations

import csv
import io
import json

from tests.builders import allow, make_certificate, make_course_staff, make_user
from tests.certificates.helpers import COURSE_A, allowlist, world_with_learners
from webapp.extensions import db
from webapp.models import Certificate, Plan


def _roster(tmp_path, body: bytes, name: str = "roster.csv") -> str:
    path = tmp_path / name
    path.write_bytes(body)
    return str(path)


def test_dry_run_json_plans_without_writing(runner, tmp_path):
    w = world_with_learners()
    path = _roster(tmp_path, b"username,notes\nann,a\nnobody,x\nann@example.org,b\n")
    result = runner.invoke(
        args=[
            "certificates",
            "import-exceptions",
            path,
            "--course",
            COURSE_A,
            "--as",
            "instructor",
            "--dry-run",
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "previewed" and data["kind"] == "certificate_exceptions"
    assert data["counts"] == {
        "create": 1,
        "update": 0,
        "delete": 0,
        "deactivate": 0,
        "unchanged": 0,
        "skip": 1,
        "error": 1,
    }
    assert [(r["row"], r["code"]) for r in data["rows"]] == [(2, "duplicate_row"), (3, "unknown_learner")]
    assert allowlist(w["course_a"]) == {}


def test_import_applies_in_one_go_and_writes_error_report(runner, tmp_path):
    w = world_with_learners()
    path = _roster(tmp_path, b"ann,a\n=evil(),x\nbob\n")
    out = tmp_path / "errors.csv"
    result = runner.invoke(
        args=[
            "certificates",
            "import-exceptions",
            path,
            "--course",
            COURSE_A,
            "--as",
            "staff",
            "--json",
            "--errors-csv",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "applied" and data["outcomes"] == {"applied": 2, "failed": 0}
    assert allowlist(w["course_a"]) == {"ann": "a", "bob": ""}
    report = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert report[0] == ["username_or_email", "notes", "row", "code", "message"]
    assert report[1][:4] == ["'=evil()", "x", "2", "unknown_learner"]


def test_apply_later_with_plans_apply(runner, tmp_path):
    w = world_with_learners()
    path = _roster(tmp_path, b"ann\n")
    data = json.loads(
        runner.invoke(
            args=[
                "certificates",
                "import-exceptions",
                path,
                "--course",
                COURSE_A,
                "--as",
                "staff",
                "--dry-run",
                "--json",
            ]
        ).output
    )
    result = runner.invoke(args=["plans", "apply", str(data["plan_id"]), "--as", "staff", "--json"])
    assert json.loads(result.output)["status"] == "applied"
    assert allowlist(w["course_a"]) == {"ann": ""}


def test_cp1252_encoding_option_and_refusal(runner, tmp_path):
    w = world_with_learners()
    path = _roster(tmp_path, "ann,Café\n".encode("cp1252"))
    refused = runner.invoke(args=["certificates", "import-exceptions", path, "--course", COURSE_A, "--as", "staff"])
    assert refused.exit_code == 1 and "Line 1" in refused.output
    ok = runner.invoke(
        args=["certificates", "import-exceptions", path, "--course", COURSE_A, "--as", "staff", "--encoding", "cp1252"]
    )
    assert ok.exit_code == 0, ok.output
    assert allowlist(w["course_a"]) == {"ann": "Café"}


def test_refusals_exit_1_and_usage_exit_2(runner, tmp_path):
    w = world_with_learners()
    other = make_user("other_staff")
    make_course_staff(other, w["course_b"])
    db.session.commit()
    path = _roster(tmp_path, b"ann\n")
    base = ["certificates", "import-exceptions"]
    assert runner.invoke(args=[*base, path, "--course", COURSE_A, "--as", "other_staff"]).exit_code == 1
    assert runner.invoke(args=[*base, path, "--course", COURSE_A, "--as", "nobody"]).exit_code == 1
    assert (
        runner.invoke(
            args=[*base, _roster(tmp_path, b"ann\n", "r.txt"), "--course", COURSE_A, "--as", "staff"]
        ).exit_code
        == 1
    )
    assert runner.invoke(args=[*base, _roster(tmp_path, b""), "--course", COURSE_A, "--as", "staff"]).exit_code == 1
    assert runner.invoke(args=[*base, path, "--course", COURSE_A]).exit_code == 2  # --as missing
    assert (
        runner.invoke(args=[*base, path, "--course", COURSE_A, "--as", "staff", "--encoding", "latin9"]).exit_code == 2
    )
    assert db.session.query(Plan).count() == 0 and allowlist(w["course_a"]) == {}


def test_remove_exceptions_invalidates_then_removes(runner, tmp_path):
    w = world_with_learners()
    allow(w["ann"], w["course_a"])
    cert = make_certificate(w["ann"], w["course_a"])
    db.session.commit()
    path = _roster(tmp_path, b"ann\nbob\n")
    dry = json.loads(
        runner.invoke(
            args=[
                "certificates",
                "remove-exceptions",
                path,
                "--course",
                COURSE_A,
                "--as",
                "staff",
                "--dry-run",
                "--json",
            ]
        ).output
    )
    assert dry["counts"]["delete"] == 1 and dry["rows"][0]["code"] == "not_on_allowlist"
    result = runner.invoke(args=["certificates", "remove-exceptions", path, "--course", COURSE_A, "--as", "staff"])
    assert result.exit_code == 0 and "applied" in result.output
    assert allowlist(w["course_a"]) == {}
    assert db.session.get(Certificate, cert.id).status == "unavailable"


def test_exceptions_prints_allowlist_csv(runner):
    w = world_with_learners()
    allow(w["ann"], w["course_a"], notes="@risky", created_by=w["staff"])
    db.session.commit()
    result = runner.invoke(args=["certificates", "exceptions", "--course", COURSE_A])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows == [
        {
            "username": "ann",
            "email": "ann@example.org",
            "full_name": "",
            "notes": "'@risky",
            "created": rows[0]["created"],
            "created_by": "staff",
        }
    ]
    assert runner.invoke(args=["certificates", "exceptions", "--course", "course-v1:No+Such+Course"]).exit_code == 1
