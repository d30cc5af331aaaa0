"""Formula escaping and quoting through a real download (the allowlist export): hidden formula starts get a
leading ' and every cell a `;`-locale spreadsheet could split is quoted. Expected fields are written by hand."""

from __future__ import annotations

import pytest

from tests.builders import allow, enroll, make_course, make_user
from webapp.extensions import db

COURSE = "course-v1:Esc+E+1"

NOTES = {
    "\u00a0=HYPERLINK(1)": "'\u00a0=HYPERLINK(1)",
    "\u200b+1": "'\u200b+1",
    "\uff20SUM(A1)": "'\uff20SUM(A1)",
    "  -2+3": "'  -2+3",
    "x;=1+1": '"x;=1+1"',
    "tab\there": '"tab\there"',
}


@pytest.mark.parametrize("notes", list(NOTES))
def test_allowlist_export_escapes_and_quotes_each_cell(client, notes):
    course = make_course(COURSE)
    make_user("staff", is_staff=True)
    alice = make_user("alice")
    enroll(alice, course)
    allow(alice, course, notes=notes)
    db.session.commit()
    client.login("staff")
    text = client.get(f"/courses/{COURSE}/certificates/exceptions.csv").get_data(as_text=True)
    line = next(line for line in text.split("\r\n") if line.startswith(("alice", '"alice')) or ",alice" in line)
    assert f",{NOTES[notes]}," in f",{line},"
