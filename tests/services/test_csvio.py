"""The CSV reader and writer shared by every upload and download."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.services.csvio import (
    IDENTIFIER_HEADERS,
    Columns,
    CsvRefused,
    RecordKind,
    check_csv_filename,
    csv_lines,
    read_csv,
    safe_cell,
)


def records(data: bytes, **kwargs):
    return list(read_csv(io.BytesIO(data), **kwargs))


def test_bom_crlf_and_header_are_handled():
    rows = records("\ufeffusername,notes\r\nzoë,Première\r\nbob@example.com,\r\n".encode())
    assert [(r.row, r.cells, r.kind) for r in rows] == [
        (1, ["username", "notes"], RecordKind.HEADER),
        (2, ["zoë", "Première"], RecordKind.DATA),
        (3, ["bob@example.com"], RecordKind.DATA),
    ]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters(delimiter):
    rows = records(f"alice{delimiter}note one\nbob{delimiter}two\n".encode())
    assert [r.cells for r in rows] == [["alice", "note one"], ["bob", "two"]]


def test_semicolon_file_with_commas_in_notes():
    rows = records(b"alice;Hello, world\nbob;Fine\n")
    assert [r.cells for r in rows] == [["alice", "Hello, world"], ["bob", "Fine"]]


def test_comma_file_with_semicolons_in_notes():
    assert records(b"alice,late; approved by dean\n")[0].cells == ["alice", "late; approved by dean"]


def test_tab_file_with_both_in_notes():
    assert records(b"alice\tnote, with; both\n")[0].cells == ["alice", "note, with; both"]


def test_single_column_and_header_files():
    assert records(b"alice\nbob@example.com\n")[1].cells == ["bob@example.com"]
    assert records(b"username_or_email;notes\nalice;x\n")[1].cells == ["alice", "x"]


def test_row_numbers_match_the_spreadsheet_with_quoted_line_breaks_and_blank_rows():
    data = b'alice,"line one\nline two"\n\nbob,x\n,,\ncarol\n'
    rows = records(data)
    assert [(r.row, r.kind) for r in rows] == [
        (1, RecordKind.DATA),
        (2, RecordKind.BLANK),
        (3, RecordKind.DATA),
        (4, RecordKind.BLANK),
        (5, RecordKind.DATA),
    ]
    assert rows[0].cells == ["alice", "line one\nline two"]


def test_no_header_when_first_cell_is_a_learner():
    assert records(b"alice\n")[0].kind == RecordKind.DATA
    assert records(b"Username_Or_Email,notes\n")[0].kind == RecordKind.HEADER


def test_invalid_utf8_is_refused_with_its_line():
    with pytest.raises(CsvRefused, match=r"Line 3: byte 0xe9 at position 4 is not valid UTF-8.*CSV UTF-8"):
        records(b"alice\nbob\nren\xe9e\n")


def test_windows_1252_when_chosen():
    assert records(b"ren\xe9e,caf\xe9\n", encoding="cp1252")[0].cells == ["renée", "café"]


def test_nul_bytes_row_limit_and_size_limit_are_refused():
    with pytest.raises(CsvRefused, match="mostly NUL bytes"):
        records("alice\n".encode("utf-16-le"))
    assert records(b"alice,no\x00te\n")[0].cells == ["alice", "no\x00te"]  # a stray NUL: the row's error
    with pytest.raises(CsvRefused, match="more than 3 rows"):
        records(b"a\nb\nc\nd\n", max_rows=3)
    with pytest.raises(CsvRefused, match="larger than"):
        records(b"a" * 3_000_000 + b"\n", max_bytes=2 * 1024 * 1024)


def test_filename_must_end_in_csv():
    assert check_csv_filename("Roster.CSV") == "Roster.CSV"
    with pytest.raises(CsvRefused, match=r"not a \.csv file"):
        check_csv_filename("roster.xlsx")


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\nx"])
def test_formula_cells_are_escaped(value):
    assert safe_cell(value) == "'" + value


FORMULA_CELLS = {  # cell -> exactly what the file holds for it (written by hand, not by the function)
    " =1+1": "' =1+1",
    "   +1": "'   +1",
    "\u00a0-1": "'\u00a0-1",  # no-break space
    "\u200b@SUM(A1)": "'\u200b@SUM(A1)",  # zero-width space
    "\u2060\ufeff=1": "'\u2060\ufeff=1",  # word joiner, zero-width no-break space
    "\uff1d1+1": "'\uff1d1+1",  # fullwidth =
    "\uff0b1": "'\uff0b1",  # fullwidth +
    "\uff0d1": "'\uff0d1",  # fullwidth -
    "\uff20SUM(A1)": "'\uff20SUM(A1)",  # fullwidth @
    " \uff1d1": "' \uff1d1",
    "x;=1+1": '"x;=1+1"',  # a spreadsheet set to `;` would split it: quoted
    "a,b": '"a,b"',
    "a\tb": '"a\tb"',
    "two\nlines": '"two\nlines"',
    "cr\rhere": '"cr\rhere"',
    " =1;2": '"\' =1;2"',
    "alice": "alice",
    " alice": " alice",
    "1-2": "1-2",
    "": '""',  # a record of one empty cell is not a blank line
}


@pytest.mark.parametrize("cell", list(FORMULA_CELLS))
def test_download_cells_escape_hidden_formula_starts_and_quote_every_separator(cell):
    text = "".join(csv_lines(["h"], [[cell]]))
    assert text == "\ufeffh\r\n" + FORMULA_CELLS[cell] + "\r\n"


def test_output_has_bom_crlf_and_quotes():
    text = "".join(csv_lines(["username", "notes"], [["a", 'say "hi", =1']]))
    assert text.startswith("\ufeffusername,notes\r\n")
    assert '"say ""hi"", =1"' in text


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_either_parse_or_are_refused_cleanly(data):
    try:
        rows = records(data)
    except CsvRefused as error:
        assert str(error)
        return
    assert [r.row for r in rows] == list(range(1, len(rows) + 1))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(
            st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12),
            min_size=1,
            max_size=3,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_what_we_write_reads_back_safely(rows):
    text = "".join(csv_lines(["username_or_email", "notes"], rows))
    back = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert len(back) == len(rows) + 1
    for written, read in zip(rows, back[1:], strict=True):
        assert read == [safe_cell(c) for c in written]
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in read)


ROSTER = Columns((("username_or_email", IDENTIFIER_HEADERS), ("notes", ("notes",))))


def test_a_header_maps_columns_by_name_and_ignores_the_others():
    data = b"row,Notes,Email,username,code\n2,hi,,ann,x\n3,,bob@example.org,bob,y\n\n5,,,,z\n"
    assert [(r.row, r.cells, r.kind) for r in records(data, columns=ROSTER)] == [
        (1, ["row", "Notes", "Email", "username", "code"], RecordKind.HEADER),
        (2, ["ann", "hi"], RecordKind.DATA),
        (3, ["bob@example.org"], RecordKind.DATA),  # email preferred to username when both are filled
        (4, [], RecordKind.BLANK),
        (5, [""], RecordKind.DATA),  # content only in ignored columns: a row without a learner
    ]


def test_a_header_without_the_required_column_is_refused_naming_its_columns():
    with pytest.raises(CsvRefused, match="no username_or_email column \\(columns found: “Notes”, “E-mail”\\)"):
        records(b"Notes,E-mail\nhi,ann@example.org\n", columns=ROSTER)  # "E-mail" is no learner column


def test_without_a_header_cells_stay_by_position_and_a_wider_row_drops_its_cells():
    read = records(b"ann,notes,extra\nbob,,note\ncy\n", columns=ROSTER)
    assert [(r.cells, r.problem) for r in read] == [
        ([], "3 cells; expected at most 2: username_or_email and notes (the cells are not kept)"),
        (["bob", "", "note"], ""),  # two non-empty cells: within the bound
        (["cy"], ""),
    ]
