"""The files the app writes upload again as they are (issue 12 point 7): a roster with a header is read
by header name, extra columns ignored; pages and CLI."""

from __future__ import annotations

import io
import json

from tests.builders import allow, enroll, make_certificate, make_user
from tests.certificates.helpers import (
    COURSE_A,
    allowlist,
    exceptions_url,
    plan_id_of,
    rows_of,
    upload,
    world_with_learners,
)
from tests.invalidations import helpers as inv
from webapp.extensions import db
from webapp.statuses import CertificateStatus

COURSE_B = "edX/B/2026"


def _actions(plan_id: int) -> dict[int, tuple[str, str]]:
    return {n: (r.action, r.code or "") for n, r in rows_of(plan_id).items()}


def test_error_report_uploads_again_unchanged_and_the_fixed_rows_plan(client):
    w = world_with_learners(2)
    zed = make_user("zed", email="zed@example.org")  # exists, not enrolled yet
    db.session.commit()
    client.login("staff")
    first = plan_id_of(upload(client, b'ann,fine\nghost,Late; see email\nzed,"two, parts"\n'))
    assert _actions(first) == {1: ("create", ""), 2: ("error", "unknown_learner"), 3: ("error", "not_enrolled")}
    report = client.get(f"/plans/{first}/errors.csv").data

    enroll(make_user("ghost"), w["course_a"])  # staff fix what the report says
    enroll(zed, w["course_a"])
    db.session.commit()
    again = plan_id_of(upload(client, report, name="plan-errors.csv"))

    rows = rows_of(again)
    assert 1 not in rows  # the header is no learner
    assert _actions(again) == {2: ("create", ""), 3: ("create", "")}  # no bad_format: extra columns ignored
    assert [rows[2].label.split()[0], rows[3].label.split()[0]] == ["ghost", "zed"]
    client.post(f"/plans/{again}/apply")
    assert allowlist(w["course_a"]) == {"ghost": "Late; see email", "zed": "two, parts"}


def test_allowlist_export_of_one_course_imports_into_another(client):
    w = world_with_learners(2)
    # a username that is another learner's email: the export's email column names the right learner
    tricky = make_user("ann@example.org", email="tricky@example.org")
    enroll(tricky, w["course_a"])
    for user in (w["ann"], w["bob"], tricky):
        enroll(user, w["course_b"])
    allow(w["ann"], w["course_a"], notes="=1+1 medical")
    allow(w["bob"], w["course_a"])
    allow(tricky, w["course_a"], notes="tricky")
    db.session.commit()
    client.login("staff")
    export = client.get(exceptions_url() + ".csv").data
    assert export.decode("utf-8-sig").splitlines()[0].startswith("username,email,")

    plan_id = plan_id_of(upload(client, export, course_key=COURSE_B))
    assert sorted(a for a, _ in _actions(plan_id).values()) == ["create", "create", "create"]
    client.post(f"/plans/{plan_id}/apply")
    assert allowlist(w["course_b"]) == {"ann": "'=1+1 medical", "bob": "", "ann@example.org": "tricky"}


def test_issued_export_uploads_as_invalidations(client):
    w = inv.world()
    client.login("staff")
    export = client.get(f"/courses/{inv.COURSE}/certificates/issued.csv?filter=received").data
    assert len(export.decode("utf-8-sig").splitlines()[0].split(",")) > 2
    response = client.post(
        f"/courses/{inv.COURSE}/certificates/invalidations/upload",
        data={"file": (io.BytesIO(export), "issued.csv"), "encoding": "utf-8"},
        content_type="multipart/form-data",
    )
    plan_id = plan_id_of(response)
    actions = _actions(plan_id)
    assert "bad_format" not in {code for _, code in actions.values()}
    assert sorted(rows_of(plan_id)[n].label.split()[0] for n, (a, _) in actions.items() if a == "create") == [
        "ana",
        "fi",
    ]
    client.post(f"/plans/{plan_id}/apply")
    assert inv.status_of(w["ana"]) == inv.status_of(w["fi"]) == CertificateStatus.UNAVAILABLE


def test_issued_export_imports_as_exceptions_through_the_cli(runner, client, tmp_path):
    w = world_with_learners(3)
    for name in ("ann", "cat"):
        make_certificate(w[name], w["course_a"], CertificateStatus.NOTPASSING)
    db.session.commit()
    client.login("staff")
    path = tmp_path / "issued.csv"
    path.write_bytes(client.get(f"/courses/{COURSE_A}/certificates/issued.csv").data)
    result = runner.invoke(
        args=["certificates", "import-exceptions", str(path), "--course", COURSE_A, "--as", "staff", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["counts"]["create"] == 2
    assert allowlist(w["course_a"]) == {"ann": "", "cat": ""}


def test_cli_error_report_imports_again_through_the_cli(runner, tmp_path):
    w = world_with_learners(2)
    roster, report = tmp_path / "roster.csv", tmp_path / "errors.csv"
    roster.write_bytes(b"ann\nghost,needs it\n")
    base = ["certificates", "import-exceptions", "--course", COURSE_A, "--as", "staff", "--json"]
    first = runner.invoke(args=[*base, str(roster), "--errors-csv", str(report)])
    assert first.exit_code == 0, first.output
    enroll(make_user("ghost"), w["course_a"])
    db.session.commit()
    again = runner.invoke(args=[*base, str(report), "--dry-run"])
    assert again.exit_code == 0, again.output
    data = json.loads(again.output)
    assert data["counts"]["create"] == 1 and data["counts"]["error"] == 0
    assert data["rows"] == []


def test_semicolon_error_report_from_a_spreadsheet_uploads_too(client):
    w = world_with_learners(2)
    client.login("staff")
    body = "username_or_email;notes;row;code;message\r\nbob;Late, approved;3;unknown_learner;bob does not exist\r\n"
    plan_id = plan_id_of(upload(client, body.encode()))
    assert _actions(plan_id) == {2: ("create", "")}
    client.post(f"/plans/{plan_id}/apply")
    assert allowlist(w["course_a"]) == {"bob": "Late, approved"}


def test_header_columns_in_any_order_and_case(client):
    w = world_with_learners(2)
    client.login("staff")
    body = b"Created,Notes,Email,Username\n2026-01-01,first,,ann\n2026-01-02,second,bob@example.org,bob\n"
    plan_id = plan_id_of(upload(client, body))
    assert _actions(plan_id) == {2: ("create", ""), 3: ("create", "")}
    client.post(f"/plans/{plan_id}/apply")
    assert allowlist(w["course_a"]) == {"ann": "first", "bob": "second"}


def test_without_a_header_the_two_column_rule_stays(client):
    world_with_learners(2)
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann,notes,extra\nbob\n"))
    assert _actions(plan_id) == {1: ("error", "bad_format"), 2: ("create", "")}


def test_a_header_without_a_learner_column_refuses_the_file_naming_its_columns(client, runner, tmp_path):
    w = world_with_learners(2)
    client.login("staff")
    body = b"Notes,Full name,Created\nhello,Ann A,2026-01-01\n"
    response = upload(client, body)
    assert response.status_code == 400
    text = " ".join(response.get_data(as_text=True).split())
    assert "Row 1 is a header, but it has no username_or_email column" in text
    assert "“Notes”, “Full name”, “Created”" in text
    path = tmp_path / "r.csv"
    path.write_bytes(body)
    result = runner.invoke(args=["certificates", "import-exceptions", str(path), "--course", COURSE_A, "--as", "staff"])
    assert result.exit_code == 1 and "no username_or_email column" in result.output
    assert allowlist(w["course_a"]) == {}


def test_a_row_with_content_only_in_ignored_columns_names_no_learner(client):
    world_with_learners(2)
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"username,email,row,code\n,,2,x\nann,,3,y\n"))
    assert _actions(plan_id) == {2: ("error", "bad_format"), 3: ("create", "")}
    assert rows_of(plan_id)[2].message == "no username or email in this row"
