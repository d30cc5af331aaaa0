"""Hostile CSV files through every CSV door (upload pages and CLI): a clear refusal, nothing written."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tests.builders import enroll, make_course, make_user
from tests.hostile.corpus import CSV_CORPUS, refusals, snapshot
from webapp.extensions import db
from webapp.models import PlanRow

COURSE = "course-v1:Hostile+H+1"
UPLOADS = [
    f"/courses/{COURSE}/certificates/exceptions/upload",
    f"/courses/{COURSE}/certificates/exceptions/remove-upload",
    f"/courses/{COURSE}/certificates/invalidations/upload",
]
CLI = ["import-exceptions", "remove-exceptions", "import-invalidations"]


@pytest.fixture
def world():
    course = make_course(COURSE)
    make_user("staff", is_staff=True)
    enroll(make_user("alice"), course)
    db.session.commit()


NOT_UTF8 = (
    "Line {line}: byte 0x{byte} at position {at} is not valid UTF-8. Save the file as “CSV UTF-8” in your "
    "spreadsheet, or choose the Windows-1252 encoding on the upload form."
)
NO_ROWS = "The file has no learner rows: put one username or email per row (an optional second column holds notes)."
# The one refusal each hostile file gets, at every CSV door (the upload pages and the CLI commands). The 50 MB
# line is over the whole request's limit: the pages answer 413 before reading it; the CLI reads it and stops
# at the same limit.
ANSWERS: dict[str, str] = {
    "binary": NOT_UTF8.format(line=1, byte="b4", at=2),
    "UTF-16 without BOM (mostly NUL bytes)": "Line 1 is mostly NUL bytes: this is not a text CSV file.",
    "50 MB line": "The file is larger than the 20 MB limit. Split it and upload the parts.",
    "1,000,000 empty rows": "The file has more than 200,000 rows. Split it and upload the parts.",
    "invalid UTF-8": NOT_UTF8.format(line=2, byte="e9", at=8),
    "zip bomb renamed .csv": NOT_UTF8.format(line=1, byte="b5", at=15),
    "UTF-16 with BOM": NOT_UTF8.format(line=1, byte="ff", at=1),
    "only a header": NO_ROWS,
    "an error report header only": NO_ROWS,
    "a header naming no learner column": (
        "Row 1 is a header, but it has no username_or_email column (columns found: “notes”, “full_name”, "
        "“created”). Name the column that holds it username_or_email, email, username, user, learner or identifier."
    ),
    "empty": NO_ROWS,
}
TOO_LARGE_PAGE = "The upload is larger than the 20 MB limit. Split the file and upload the parts."


# Files that are read, but whose one row is too long to keep: the plan has that row as a bad_format error with
# no cells (the 300 KB never reaches the database), and nothing is written.
ROW_PROBLEMS: dict[str, str] = {
    "unterminated quote then 300 KB": (
        "the row is 300,007 bytes long, more than a row may hold (65,536); its cells are not kept"
    ),
}
REFUSED = [name for name in CSV_CORPUS if name not in ROW_PROBLEMS]


def test_every_hostile_file_has_its_answer():
    assert set(ANSWERS) | set(ROW_PROBLEMS) == set(CSV_CORPUS)
    assert not set(ANSWERS) & set(ROW_PROBLEMS)


@pytest.mark.parametrize("name", list(ROW_PROBLEMS))
def test_a_row_too_long_to_keep_is_a_row_error_at_every_door(client, runner, world, tmp_path, name):
    content = CSV_CORPUS[name]()
    client.login("staff")
    for url in UPLOADS:
        response = client.post(
            url,
            data={"file": (io.BytesIO(content), "roster.csv"), "encoding": "utf-8"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302, (url, response.status_code)
        plan_id = int(response.headers["Location"].rsplit("/", 1)[1])
        rows = db.session.scalars(select(PlanRow).where(PlanRow.plan_id == plan_id)).all()
        assert [(r.row_number, r.action, r.code, r.message, r.cells) for r in rows] == [
            (1, "error", "bad_format", ROW_PROBLEMS[name], [])
        ], url
    path = tmp_path / "roster.csv"
    path.write_bytes(content)
    before = snapshot()
    for command in CLI:
        result = runner.invoke(args=["certificates", command, str(path), "--course", COURSE, "--as", "staff"])
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[1:] == [
            "  written 0, failed 0",
            f"  row 1: error bad_format {ROW_PROBLEMS[name]}",
        ]
    assert {t: n for t, n in snapshot().items() if t not in ("plans", "plan_rows", "jobs")} == {
        t: n for t, n in before.items() if t not in ("plans", "plan_rows", "jobs")
    }


@pytest.mark.parametrize("name", REFUSED)
def test_upload_pages_refuse_with_the_files_message_and_write_nothing(client, world, app, name):
    content = CSV_CORPUS[name]()
    client.login("staff")
    for url in UPLOADS:
        before = snapshot()
        response = client.post(
            url,
            data={"file": (io.BytesIO(content), "roster.csv"), "encoding": "utf-8"},
            content_type="multipart/form-data",
        )
        if len(content) > app.config["MAX_CONTENT_LENGTH"]:
            assert response.status_code == 413, url
            assert TOO_LARGE_PAGE in response.get_data(as_text=True)
        else:
            assert response.status_code == 400, (url, response.status_code)
            assert refusals(response) == [ANSWERS[name]], url
        assert snapshot() == before


@pytest.mark.parametrize("name", REFUSED)
def test_cli_refuses_with_exit_1_and_the_files_message_and_writes_nothing(runner, world, tmp_path, name):
    path = tmp_path / "roster.csv"
    path.write_bytes(CSV_CORPUS[name]())
    for command in CLI:
        before = snapshot()
        result = runner.invoke(args=["certificates", command, str(path), "--course", COURSE, "--as", "staff"])
        assert result.exit_code == 1, (command, result.output)
        assert result.output.strip() == f"Error: {ANSWERS[name]}", command
        assert snapshot() == before
