"""Every upload limit through its door: exactly the limit passes, one more is refused with its message."""

from __future__ import annotations

import io

from tests.certificates.helpers import exceptions_url, plan_id_of, rows_of, upload, world_with_learners
from tests.hostile.corpus import refusals, snapshot

BOUNDARY = "limit-boundary"


def _multipart(csrf: str, content: bytes) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'.encode(),
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="encoding"\r\n\r\nutf-8\r\n'.encode(),
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="roster.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + content
        + b"\r\n",
        f"--{BOUNDARY}--\r\n".encode(),
    ]
    return b"".join(parts)


def test_a_request_body_of_exactly_the_limit_is_read_and_one_byte_more_is_413(app, client, monkeypatch):
    world_with_learners()
    client.login("staff")
    body = _multipart(client.csrf_token(), b"ann,note\n")
    url = f"{exceptions_url()}/upload"
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", len(body) - 1)
    before = snapshot()
    response = client.post(url, data=body, csrf=False, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 413
    limit_mb = f"{(len(body) - 1) / (1024 * 1024):g}"
    assert f"The upload is larger than the {limit_mb} MB limit. Split the file and upload the parts." in (
        response.get_data(as_text=True)
    )
    assert snapshot() == before
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", len(body))
    response = client.post(url, data=body, csrf=False, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    plan_id = plan_id_of(response)
    assert [(n, r.action) for n, r in rows_of(plan_id).items()] == [(1, "create")]


def test_an_upload_of_exactly_csv_max_rows_is_planned_and_one_row_more_is_refused(app, client, monkeypatch):
    world_with_learners()
    client.login("staff")
    monkeypatch.setitem(app.config, "CSV_MAX_ROWS", 3)
    plan_id = plan_id_of(upload(client, b"ann\n\nbob\n"))  # the blank row counts: as the spreadsheet shows it
    assert sorted(rows_of(plan_id)) == [1, 2, 3]
    before = snapshot()
    response = upload(client, b"ann\n\nbob\ncat\n")
    assert response.status_code == 400
    assert refusals(response) == ["The file has more than 3 rows. Split it and upload the parts."]
    assert snapshot() == before


def test_roster_rows_without_a_learner_or_with_too_many_cells_name_their_row(client):
    world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b",notes only\nann,a\nbob,b,extra\nann,again\n"))
    rows = rows_of(plan_id)
    assert [(n, r.action, r.code, r.message) for n, r in sorted(rows.items())] == [
        (1, "error", "bad_format", "no username or email in this row"),
        (2, "skip", "duplicate_row", "same learner as row 4, which supersedes this row"),
        (3, "error", "bad_format", "3 cells; expected at most 2: username_or_email and notes (the cells are not kept)"),
        (4, "create", "", rows[4].message),
    ]
    page = client.soup(f"/plans/{plan_id}?action=error").get_text(" ", strip=True)
    assert "no username or email in this row" in page and "3 cells; expected at most 2" in page


def test_a_cp1252_upload_with_a_utf8_bom_reads_its_first_learner(client):
    world_with_learners()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"\xef\xbb\xbfann,caf\xe9\n", encoding="cp1252"))
    row = rows_of(plan_id)[1]
    assert (row.cells, row.action, row.label) == (["ann", "café"], "create", "ann <ann@example.org>")


def test_an_upload_without_a_file_name_asks_for_a_file(client):
    world_with_learners()
    client.login("staff")
    response = client.post(
        f"{exceptions_url()}/upload",
        data={"file": (io.BytesIO(b"ann\n"), ""), "encoding": "utf-8"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert refusals(response) == ["Choose a CSV file to upload."]
