"""Rows too long or too wide, long cells and CR-only files through the exceptions upload page: a too-long or
too-wide row is a `bad_format` row error whose cells are dropped (never stored, never rendered), a long cell
is clipped on the preview page but whole in the download, and a CR-only file reads like any other."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.builders import enroll, make_course, make_user
from webapp.extensions import db
from webapp.models import PlanRow
from webapp.services.csvio import MAX_ROW_BYTES

COURSE = "course-v1:Wide+W+1"
UPLOAD = f"/courses/{COURSE}/certificates/exceptions/upload"


@pytest.fixture
def world():
    course = make_course(COURSE)
    make_user("staff", is_staff=True)
    for name in ("alice", "bob"):
        enroll(make_user(name), course)
    db.session.commit()


def upload(client, content: bytes) -> tuple[int, dict[int, PlanRow]]:
    """Upload as staff; the plan id and its rows by row number."""
    client.login("staff")
    response = client.post(
        UPLOAD,
        data={"file": (io.BytesIO(content), "roster.csv"), "encoding": "utf-8"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.data[-2000:]
    plan_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    rows = db.session.scalars(select(PlanRow).where(PlanRow.plan_id == plan_id)).all()
    return plan_id, {row.row_number: row for row in rows}


def test_a_6_mib_wide_line_is_one_bad_format_row_without_cells_and_a_small_page(client, world):
    wide = b"a," * (3 * 1024 * 1024)  # 6 MiB: 3,145,728 cells
    plan_id, rows = upload(client, b"alice\n" + wide + b"\nbob\n")
    assert (rows[2].action, rows[2].code, rows[2].cells) == ("error", "bad_format", [])
    assert rows[2].message == (
        "the row is 6,291,456 bytes long, more than a row may hold (65,536); its cells are not kept"
    )
    assert [rows[1].action, rows[3].action] == ["create", "create"]
    page = client.get(f"/plans/{plan_id}")
    assert page.status_code == 200 and len(page.data) < 100_000


@pytest.mark.parametrize("extra", [0, 1])
def test_row_byte_limit_at_the_boundary_and_one_past(client, world, extra):
    line = b"alice," + b"n" * (MAX_ROW_BYTES - len(b"alice,\n") + extra) + b"\n"
    assert len(line) == MAX_ROW_BYTES + extra
    _, rows = upload(client, line)
    if extra:
        assert (rows[1].code, rows[1].cells) == ("bad_format", [])
    else:
        assert rows[1].cells[0] == "alice" and len(rows[1].cells[1]) == MAX_ROW_BYTES - 7


def test_a_roster_row_of_three_cells_is_bad_format_with_its_cells_dropped(client, world):
    _, rows = upload(client, b"alice,notes\nbob,notes,extra\n")
    assert (rows[1].action, rows[1].cells) == ("create", ["alice", "notes"])
    assert (rows[2].action, rows[2].code, rows[2].cells) == ("error", "bad_format", [])
    assert rows[2].message == "3 cells; expected at most 2: username_or_email and notes (the cells are not kept)"


def test_a_long_cell_is_clipped_on_the_page_and_whole_in_the_error_report(client, world):
    notes = "N" * 5000
    plan_id, rows = upload(client, f"zed,{notes}\n".encode())
    assert rows[1].code == "unknown_learner"
    soup = BeautifulSoup(client.get(f"/plans/{plan_id}").data, "html.parser")
    cell = soup.select("td.cells .cell")[1]
    assert cell.get_text() == "N" * 200 + "… (4,800 more characters not shown)"
    report = client.get(f"/plans/{plan_id}/errors.csv").get_data(as_text=True)
    assert f"zed,{notes}," in report


@pytest.mark.parametrize("ending", [b"\r", b"\r\n", b"\n"])
def test_cr_only_line_endings_read_like_any_other(client, world, ending):
    _, rows = upload(client, ending.join([b"username_or_email,notes", b"alice,first", b"bob,second"]) + ending)
    assert [(r.cells, r.action) for _, r in sorted(rows.items())] == [
        (["alice", "first"], "create"),
        (["bob", "second"], "create"),
    ]
