"""The CSV reader and writer shared by every upload and download."""

from __future__ import annotations

import csv
import io
import re

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


def test_nul_heavy_lines_are_refused_and_a_stray_nul_is_kept():
    with pytest.raises(CsvRefused, match="mostly NUL bytes"):
        records("alice\n".encode("utf-16-le"))
    assert records(b"alice,no\x00te\n")[0].cells == ["alice", "no\x00te"]  # a stray NUL: the row's error


MB = 1024 * 1024


def test_exactly_max_rows_pass_and_one_more_is_refused():
    assert [r.row for r in records(b"a\nb\n\n", max_rows=3)] == [1, 2, 3]  # a blank row counts
    with pytest.raises(CsvRefused) as refused:
        records(b"a\nb\n\nd\n", max_rows=3)
    assert str(refused.value) == "The file has more than 3 rows. Split it and upload the parts."
    with pytest.raises(CsvRefused, match=r"^The file has more than 1,000 rows\."):
        records(b"a\n" * 1001, max_rows=1000)


def _bytes_of_short_lines(size: int) -> bytes:
    """`size` bytes of short learner lines (no line near the csv module's own 128 KB field limit)."""
    line = b"learner,note\n"
    data = line * (size // len(line))
    return data + b"x" * (size - len(data) - 1) + b"\n"


def test_exactly_max_bytes_pass_and_one_more_byte_is_refused():
    data = _bytes_of_short_lines(MB)
    assert len(data) == MB
    assert len(records(data, max_bytes=MB)) == MB // len(b"learner,note\n") + 1
    with pytest.raises(CsvRefused) as refused:
        records(data + b"\n", max_bytes=MB)  # one blank line more: one byte over
    assert str(refused.value) == "The file is larger than the 1 MB limit. Split it and upload the parts."
    assert len(records(data + b"\n")) == MB // len(b"learner,note\n") + 2  # no limit given: no refusal


def test_filename_must_end_in_csv():
    assert check_csv_filename("Roster.CSV") == "Roster.CSV"
    assert check_csv_filename("  roster.csv ") == "roster.csv"
    with pytest.raises(CsvRefused) as refused:
        check_csv_filename("roster.xlsx")
    assert str(refused.value) == "“roster.xlsx” is not a .csv file. Save the sheet as “CSV UTF-8” and upload that."


@pytest.mark.parametrize("name", ["", "   ", None])
def test_no_file_name_asks_for_a_file(name):
    with pytest.raises(CsvRefused) as refused:
        check_csv_filename(name)
    assert str(refused.value) == "Choose a CSV file to upload."


def test_unknown_encoding_is_refused_naming_the_choices():
    with pytest.raises(CsvRefused) as refused:
        records(b"alice\n", encoding="latin-9")
    assert str(refused.value) == "Unknown encoding 'latin-9': choose one of utf-8, cp1252."


def test_a_utf8_bom_on_a_windows_1252_file_is_dropped():
    assert [(r.row, r.cells) for r in records(b"\xef\xbb\xbfren\xe9e,caf\xe9\nbob\n", encoding="cp1252")] == [
        (1, ["renée", "café"]),
        (2, ["bob"]),
    ]
    # only on the first line: further down the same bytes are three Windows-1252 characters
    assert records(b"bob\n\xef\xbb\xbfx\n", encoding="cp1252")[1].cells == ["ï»¿x"]


def test_a_row_with_notes_but_no_learner_keeps_its_empty_first_cell():
    assert [(r.row, r.cells, r.kind) for r in records(b",notes\nalice\n")] == [
        (1, ["", "notes"], RecordKind.DATA),
        (2, ["alice"], RecordKind.DATA),
    ]


def test_a_line_longer_than_a_row_may_hold_is_a_row_without_cells_even_inside_quotes():
    rows = records(b'alice\nbob,"line\nmore' + b"y" * 200_000 + b'"\n')
    assert [(r.row, r.cells, r.problem) for r in rows] == [
        (1, ["alice"], ""),
        (2, [], "the row is 200,005 bytes long, more than a row may hold (65,536); its cells are not kept"),
    ]


def test_a_utf8_error_names_the_line_and_byte_position():
    with pytest.raises(CsvRefused) as refused:
        records(b"alice\nbob,caf\xe9\n")
    assert str(refused.value) == (
        "Line 2: byte 0xe9 at position 8 is not valid UTF-8. Save the file as “CSV UTF-8” in your spreadsheet, "
        "or choose the Windows-1252 encoding on the upload form."
    )
    with pytest.raises(CsvRefused, match=r"^Line 1: byte 0x81 at position 2 is not valid cp1252\. "):
        records(b"a\x81\n", encoding="cp1252")


def test_downloads_stream_the_header_then_chunks_of_rows(app):
    rows = [[f"u{n}", ""] for n in range(1, 8)]
    with app.app_context():  # the test configuration's CSV_OUTPUT_CHUNK_ROWS is 3
        chunks = list(csv_lines(["username", "notes"], rows))
    assert chunks == ["\ufeffusername,notes\r\n", "u1,\r\nu2,\r\nu3,\r\n", "u4,\r\nu5,\r\nu6,\r\n", "u7,\r\n"]
    assert list(csv_lines(["h"], [["a"], ["b"]], chunk_rows=2)) == ["\ufeffh\r\n", "a\r\nb\r\n"]
    assert list(csv_lines(["h"], [])) == ["\ufeffh\r\n"]


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


# What a file of arbitrary bytes may be refused for, each message whole (the row's parse error is Python's).
ANY_BYTES_REFUSAL = re.compile(
    r"Line \d+: byte 0x(?P<byte>[0-9a-f]{2}) at position \d+ is not valid UTF-8\. Save the file as “CSV UTF-8” "
    r"in your spreadsheet, or choose the Windows-1252 encoding on the upload form\."
    r"|Line \d+ is mostly NUL bytes: this is not a text CSV file\."
    r"|Row \d+ \(line \d+\) cannot be read: .+\."
)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_either_parse_or_are_refused_cleanly(data):
    try:
        rows = records(data)
    except CsvRefused as error:
        refusal = ANY_BYTES_REFUSAL.fullmatch(str(error))
        assert refusal is not None, str(error)
        if refusal["byte"]:  # the byte it names is in the file
            assert bytes.fromhex(refusal["byte"]) in data
        return
    assert [r.row for r in rows] == list(range(1, len(rows) + 1))


_SPACES = "".join(chr(code) for code in range(0x110000) if chr(code).isspace()) + "\u180e\u200b\u200c\u200d\u2060\ufeff"


def _formula_like(cell: str) -> bool:
    return cell[:1] in ("\t", "\r", "\n") or cell.lstrip(_SPACES)[:1] in tuple("=+-@\uff1d\uff0b\uff0d\uff20")


def test_a_formula_after_spaces_or_invisible_characters_is_quoted():
    """Spreadsheets skip leading spaces (and no-break and zero-width ones) before a formula."""
    assert [safe_cell(c) for c in (" @cmd", "\u00a0=1", "\u200b+1", "  \uff20x", " a@b")] == [
        "' @cmd",
        "'\u00a0=1",
        "'\u200b+1",
        "'  \uff20x",
        " a@b",
    ]


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
        # the oracle, independent of safe_cell: a leading tab, CR or LF, or = + - @ (or their fullwidth forms)
        # after any spaces and invisible characters, gets one quote mark before it
        assert read == [("'" + c) if _formula_like(c) else c for c in written]
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


@pytest.mark.parametrize(
    ("wanted", "problem"),
    [
        ((("username_or_email", IDENTIFIER_HEADERS),), "1,200 cells; expected at most 1: username_or_email"),
        (
            (("username_or_email", IDENTIFIER_HEADERS), ("exam", ("exam",)), ("notes", ("notes",))),
            "1,200 cells; expected at most 3: username_or_email and exam and notes",
        ),
    ],
)
def test_a_row_wider_than_the_wanted_columns_names_them_all_and_counts_the_cells_grouped(wanted, problem):
    read = records(b"a," * 1199 + b"a\n", columns=Columns(wanted))
    assert [(r.cells, r.problem) for r in read] == [([], problem + " (the cells are not kept)")]


def test_a_second_byte_order_mark_before_a_header_still_reads_as_a_header():
    rows = records("\ufeff\ufeffusername,notes\nann,x\n".encode())
    assert [(r.row, r.cells, r.kind) for r in rows] == [
        (1, ["\ufeffusername", "notes"], RecordKind.HEADER),
        (2, ["ann", "x"], RecordKind.DATA),
    ]


def test_a_header_missing_the_learner_column_names_its_columns_without_a_byte_order_mark():
    with pytest.raises(CsvRefused, match="no username_or_email column \\(columns found: “Notes”, “E-mail”\\)"):
        records("\ufeff\ufeffNotes,E-mail\nhi,ann\n".encode(), columns=ROSTER)  # the reader drops one mark


def test_only_a_byte_order_mark_is_stripped_before_a_header_word():
    assert [r.kind for r in records(b"Xusername,notes\nann,x\n")] == [RecordKind.DATA, RecordKind.DATA]
