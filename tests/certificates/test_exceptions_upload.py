"""Uploading a roster of exceptions through the page: preview, apply, the rules of domain §1.2–1.3."""

from __future__ import annotations

from tests.builders import allow, enroll, invalidate, make_certificate, make_user
from tests.certificates.helpers import (
    allowlist,
    exceptions_url,
    plan,
    plan_id_of,
    rows_of,
    upload,
    world_with_learners,
)
from webapp.extensions import db


def _apply(client, plan_id: int):
    return client.post(f"/plans/{plan_id}/apply", follow_redirects=False)


def test_happy_path_upload_preview_apply(client):
    w = world_with_learners()
    client.login("instructor")
    plan_id = plan_id_of(upload(client, b"username_or_email,notes\nann,Medical leave\nbob@example.org,\n"))
    soup = client.soup(f"/plans/{plan_id}")
    assert "Apply: create 2 exceptions" in soup.get_text()
    assert allowlist(w["course_a"]) == {}  # nothing written by the preview
    assert _apply(client, plan_id).status_code == 302
    assert allowlist(w["course_a"]) == {"ann": "Medical leave", "bob": ""}
    assert plan(plan_id).status == "applied"
    page = client.soup(exceptions_url()).get_text()
    assert "Medical leave" in page and "instructor" in page  # notes and who added


def test_every_code_in_domain_order(client):
    w = world_with_learners()
    make_user("stranger")  # exists, not enrolled
    gone = make_user("gone")
    enroll(gone, w["course_a"], is_active=False)  # inactive enrollment does not count
    cert = make_certificate(w["cat"], w["course_a"])
    invalidate(cert, notes="cheating")
    allow(w["dan"], w["course_a"], notes="same")
    allow(w["eve"], w["course_a"], notes="old")
    db.session.commit()
    client.login("staff")
    body = b"nobody\nstranger\ngone\ncat\ndan,same\neve,new\nann,fresh\n\na,b,c\n"
    plan_id = plan_id_of(upload(client, body))
    rows = rows_of(plan_id)
    got = {n: (r.action, r.code) for n, r in rows.items()}
    assert got == {
        1: ("error", "unknown_learner"),
        2: ("error", "not_enrolled"),
        3: ("error", "not_enrolled"),
        4: ("error", "certificate_invalidated"),
        5: ("unchanged", ""),
        6: ("update", ""),
        7: ("create", ""),
        8: ("skip", "blank_row"),
        9: ("error", "bad_format"),
    }
    assert "nobody does not exist; check the spelling" in rows[1].message
    assert rows[6].changes == [("notes", "old", "new")]
    soup = client.soup(f"/plans/{plan_id}")
    assert soup.find("del", string="old") and soup.find("ins", string="new")  # notes old → new shown


def test_unknown_learner_checked_before_enrollment_and_invalidation(client):
    world_with_learners()
    client.login("staff")
    rows = rows_of(plan_id_of(upload(client, b"ghost@example.org,notes\n")))
    assert rows[1].code == "unknown_learner"


def test_partial_success_applies_valid_rows_and_reports_errors(client):
    w = world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann\nnobody\nbob\n"))
    _apply(client, plan_id)
    assert set(allowlist(w["course_a"])) == {"ann", "bob"}
    report = client.get(f"/plans/{plan_id}/errors.csv")
    text = report.data.decode("utf-8-sig")
    assert text.splitlines()[0] == "username_or_email,notes,row,code,message"
    assert "nobody,,2,unknown_learner" in text


def test_same_learner_by_username_and_email_last_wins(client):
    w = world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann,first\nANN@example.org,second\n"))
    rows = rows_of(plan_id)
    assert (rows[1].action, rows[1].code) == ("skip", "duplicate_row")
    assert "row 2" in rows[1].message
    assert rows[2].action == "create"
    _apply(client, plan_id)
    assert allowlist(w["course_a"]) == {"ann": "second"}


def test_reupload_of_applied_file_is_all_unchanged(client):
    world_with_learners()
    client.login("staff")
    body = b"ann,a\nbob,b\n"
    _apply(client, plan_id_of(upload(client, body)))
    again = plan(plan_id_of(upload(client, body)))
    assert again.counts["unchanged"] == 2 and again.write_count == 0
    assert "Nothing to apply" in client.soup(f"/plans/{again.id}").get_text()


def test_bom_and_crlf(client):
    w = world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, "\ufeffusername,notes\r\nann,Ünïcode\r\nbob,x\r\n".encode()))
    rows = rows_of(plan_id)
    assert sorted(rows) == [2, 3]  # header is row 1, not a learner
    _apply(client, plan_id)
    assert allowlist(w["course_a"]) == {"ann": "Ünïcode", "bob": "x"}


def test_semicolon_delimiter(client):
    w = world_with_learners()
    client.login("staff")
    _apply(client, plan_id_of(upload(client, b"ann;note one\nbob;note two\n")))
    assert allowlist(w["course_a"]) == {"ann": "note one", "bob": "note two"}


def test_header_and_no_header(client):
    world_with_learners()
    client.login("staff")
    with_header = rows_of(plan_id_of(upload(client, b"Email,notes\nann@example.org,x\n")))
    without = rows_of(plan_id_of(upload(client, b"ann@example.org,x\nbob,y\n")))
    assert list(with_header) == [2] and with_header[2].action == "create"
    assert sorted(without) == [1, 2] and all(r.action == "create" for r in without.values())


def test_quoted_note_with_line_break_keeps_spreadsheet_row_numbers(client):
    w = world_with_learners()
    client.login("staff")
    body = b'username,notes\nann,"line one\nline two"\nnobody,x\nbob,y\n'
    rows = rows_of(plan_id_of(upload(client, body)))
    assert sorted(rows) == [2, 3, 4]
    assert rows[2].cells == ["ann", "line one\nline two"] and rows[2].key == str(w["ann"].id)
    assert rows[3].code == "unknown_learner"  # spreadsheet row 3, although it is line 4 of the file
    assert rows[3].message == "nobody does not exist; check the spelling"
    assert rows[4].label == "bob <bob@example.org>" and rows[4].key == str(w["bob"].id)


def test_invalid_utf8_refused_with_line_and_database_unchanged(client):
    world_with_learners()
    client.login("staff")
    response = upload(client, "ann\nbob,Café\n".encode("cp1252"))
    assert response.status_code == 400
    text = response.data.decode()
    assert "Line 2" in text and "CSV UTF-8" in text
    from webapp.models import Plan

    assert db.session.query(Plan).count() == 0


def test_cp1252_accepted_when_chosen(client):
    w = world_with_learners()
    client.login("staff")
    _apply(client, plan_id_of(upload(client, "ann,Café\n".encode("cp1252"), encoding="cp1252")))
    assert allowlist(w["course_a"]) == {"ann": "Café"}


def test_empty_file_refused(client):
    world_with_learners()
    client.login("staff")
    for body in (b"", b"username,notes\n", b"\n,\n"):
        response = upload(client, body)
        assert response.status_code == 400
        assert "no learner rows" in response.data.decode()


def test_non_csv_name_refused(client):
    world_with_learners()
    client.login("staff")
    response = upload(client, b"ann\n", name="roster.xlsx")
    assert response.status_code == 400
    assert "is not a .csv file" in response.data.decode()


def test_uppercase_csv_extension_accepted(client):
    world_with_learners()
    client.login("staff")
    plan_id_of(upload(client, b"ann\n", name="ROSTER.CSV"))


def test_unresolvable_learners_only(client):
    world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"x1\nx2@example.org\n"))
    p = plan(plan_id)
    assert p.counts["error"] == 2 and p.write_count == 0
    soup = client.soup(f"/plans/{plan_id}?action=error")
    assert "x2@example.org does not exist" in soup.get_text()


def test_formula_escaping_in_error_report(client):
    world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b'=HYPERLINK("http://evil"),x\n@SUM(A1),y\nann,+1\n'))
    text = client.get(f"/plans/{plan_id}/errors.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert "\n=" not in text and "\n@" not in text


def test_large_rosters_read_the_course_once_with_the_same_results(app, client, monkeypatch):
    """From CERTIFICATES_COURSE_WIDE_FROM learners on, the state is read course-wide; the decisions must not change."""
    monkeypatch.setitem(app.config, "CERTIFICATES_COURSE_WIDE_FROM", 1)
    test_every_code_in_domain_order(client)
