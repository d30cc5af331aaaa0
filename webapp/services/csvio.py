"""CSV in and out, for every upload and every download.

In: decodes UTF-8 (with or without BOM) or an explicitly chosen Windows-1252, refuses undecodable bytes
with their line, detects `,` `;` or tab, detects a header row, numbers rows as a spreadsheet shows them
(blank rows count; a quoted cell with line breaks stays one row), and enforces size and row limits.
Given the columns a caller wants (`Columns`), a file with a header is read by header name: extra columns
(an error report's row/code/message, an export's created/created_by…) are ignored, so the files the app
writes can be uploaded again as they are. It streams: lines are decoded and parsed one at a time.

Out: UTF-8 with BOM, RFC 4180 quoting (also of `;` and tab, the other locales' separators), and formula-injection
escaping of every cell, whatever invisible characters come first.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO, NamedTuple

from flask import current_app, has_app_context

from webapp.services.errors import InputRefused
from webapp.services.messages import N_, english, rule_message

ENCODINGS = {"utf-8": "utf-8-sig", "cp1252": "cp1252"}
ENCODING_LABELS = {"utf-8": N_("UTF-8 (also with BOM)"), "cp1252": N_("Windows-1252 (older Excel)")}
DELIMITERS = {",": N_("comma"), ";": N_("semicolon"), "\t": N_("tab")}
# The header names of a learner column, in order of preference when a file has several of them: an email
# names one user for certain (an email match wins, domain §0), a username may contain '@' and so is second.
IDENTIFIER_HEADERS = ("username_or_email", "email", "username", "user", "learner", "identifier")
HEADER_WORDS = frozenset(IDENTIFIER_HEADERS)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")  # and, after invisible characters, see safe_cell
_SNIFF_LINES = 20
# A row (one physical line) longer than this is not parsed: its cells are dropped and it is a row error. A
# roster row is a username or email (254 characters at most) and notes; an export row is a few hundred bytes.
MAX_ROW_BYTES = 64 * 1024
CHUNK_ROWS = 500  # default of CSV_OUTPUT_CHUNK_ROWS: rows per chunk of a streamed download


class CsvRefused(InputRefused):
    """The file is refused as a whole; the message says what and where."""


class RecordKind(StrEnum):
    HEADER = "header"
    BLANK = "blank"
    DATA = "data"


class CsvRecord(NamedTuple):
    """One record of the file: its spreadsheet row number and its cells (trailing empty cells dropped).

    In a file read by header name (`read_csv(columns=...)`), a data record's cells are the wanted columns in
    their order, whatever the file's column order; the header record keeps the file's own cells. A data
    record with a `problem` has no cells: the row was longer than MAX_ROW_BYTES or had more cells than wanted.
    """

    row: int
    cells: list[str]
    kind: RecordKind
    problem: str = ""  # a data row too long or too wide to keep: why (its cells are dropped, never stored)


@dataclass(frozen=True, slots=True)
class Columns:
    """The columns a reader wants from a file with a header, each with the header names that fill it.

    `wanted` is ((column, (header name, ...)), ...), in the order the cells come out; the first column is
    required. When a file names several columns for one wanted column, a row takes the first of them, in
    the order of the names given, that is non-empty in that row. Names match in any case, with spaces or
    dashes read as underscores.
    """

    wanted: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def required(self) -> tuple[str, tuple[str, ...]]:
        return self.wanted[0]

    def known(self) -> frozenset[str]:
        return frozenset(name for _, names in self.wanted for name in names)

    def is_header(self, cells: Sequence[str]) -> bool:
        """Row 1 is a header when its first cell is a known column name, or when it has more than two
        non-empty cells (never a roster row) and one of them names the required column."""
        names = [header_name(c) for c in cells if c.strip()]
        if not names:
            return False
        if header_name(cells[0]) in self.known():
            return True
        return len(names) > 2 and any(name in self.required[1] for name in names)

    def indexes(self, header: Sequence[str]) -> list[list[int]]:
        """For each wanted column, the file's column indexes that fill it, in order of preference.

        Refuses the file when the required column is not in the header, naming the columns it found.
        """
        names = [header_name(c) for c in header]
        plan = [[names.index(n) for n in aliases if n in names] for _, aliases in self.wanted]
        if not plan[0]:
            found = ", ".join(f"“{c.strip().lstrip(chr(0xFEFF))}”" for c in header if c.strip()) or N_("none")
            column, aliases = self.required
            raise CsvRefused(
                rule_message(
                    "Row 1 is a header, but it has no {column} column (columns found: {found}). "
                    "Name the column that holds it {names} or {last}.",
                    column=column,
                    found=found,
                    names=", ".join(aliases[:-1]),
                    last=aliases[-1],
                )
            )
        return plan


def header_name(cell: str) -> str:
    """A header cell as compared with known column names: BOM and spaces stripped, lower case, `_` for ` `/`-`."""
    return re.sub(r"[\s-]+", "_", cell.strip().lstrip("\ufeff").strip().lower())


def _pick(cells: list[str], plan: list[list[int]]) -> list[str]:
    """A data row's cells as the wanted columns: each the first non-empty of its file columns."""
    picked = []
    count = len(cells)
    for indexes in plan:
        value = ""
        for i in indexes:  # a loop, not next(<generator>): this runs for every row of a 200,000-row file
            if i < count and cells[i].strip():
                value = cells[i]
                break
        picked.append(value)
    trimmed = _trim(picked)
    return trimmed or [""]  # a row with content only in ignored columns is a row without a learner


def check_csv_filename(filename: str | None) -> str:
    """The upload's name, if it ends in .csv (any case); else the whole file is refused."""
    name = (filename or "").strip()
    if not name:
        raise CsvRefused(rule_message("Choose a CSV file to upload."))
    if not name.lower().endswith(".csv"):
        raise CsvRefused(
            rule_message("“{name}” is not a .csv file. Save the sheet as “CSV UTF-8” and upload that.", name=name)
        )
    return name


def _raw_lines(stream: BinaryIO) -> Iterator[bytes]:
    """The file's lines ended by LF or CRLF; a file whose lines end with CR alone (old Mac spreadsheets: no LF
    at all, so its first "line" is the whole file) is split at each CR instead."""
    lines = iter(stream)
    first = next(lines, None)
    if first is None:
        return
    if not first.endswith(b"\n") and b"\r" in first:
        pieces = first.split(b"\r")
        if not pieces[-1]:
            pieces.pop()
        yield from (piece + b"\n" for piece in pieces)
        return
    yield first
    yield from lines


class _LongLines(dict[int, int]):
    """{line number: length} of the lines longer than MAX_ROW_BYTES, which `_decoded_lines` reads as empty."""

    def longest_between(self, first: int, last: int) -> int:
        """The length of the longest such line from line `first` to `last`, or 0."""
        return max(
            (length for line, length in self.items() if first <= line <= last),
            default=0,  # pragma: no mutate - the caller tests the result's truth: None would read as 0 does
        )


def _decoded_lines(
    stream: BinaryIO, encoding: str, max_bytes: int | None, long_lines: _LongLines | None = None
) -> Iterator[str]:
    """Decode the byte stream line by line; a bad byte is refused with its line and position. A line longer
    than MAX_ROW_BYTES is neither decoded nor parsed: it is counted in `long_lines` and read as empty."""
    codec = ENCODINGS.get(encoding)
    if codec is None:
        raise CsvRefused(
            rule_message(
                "Unknown encoding {encoding}: choose one of {choices}.",
                encoding=repr(encoding),
                choices=", ".join(ENCODINGS),
            )
        )
    seen = 0
    for line_number, raw in enumerate(_raw_lines(stream), start=1):
        seen += len(raw)
        if max_bytes is not None and seen > max_bytes:
            raise CsvRefused(
                rule_message(
                    "The file is larger than the {limit} MB limit. Split it and upload the parts.",
                    limit=max_bytes // (1024 * 1024),
                )
            )
        if long_lines is not None and len(raw) > MAX_ROW_BYTES:
            long_lines[line_number] = len(raw.rstrip(b"\r\n"))
            yield "\n"
            continue
        if line_number == 1 and raw.startswith(b"\xef\xbb\xbf") and codec == "cp1252":
            raw = raw[3:]
        try:
            text = raw.decode(codec if line_number == 1 else codec.removesuffix("-sig"))
        except UnicodeDecodeError as error:
            bad = raw[error.start : error.start + 1].hex()
            raise CsvRefused(
                rule_message(
                    "Line {line}: byte 0x{byte} at position {position} is not valid {encoding}. Save the file as "
                    "“CSV UTF-8” in your spreadsheet, or choose the Windows-1252 encoding on the upload form.",
                    line=line_number,
                    byte=bad,
                    position=error.start + 1,
                    encoding="UTF-8" if encoding == "utf-8" else encoding,
                )
            ) from None
        if text.count("\x00") * 4 > len(text):  # NUL-heavy: UTF-16 or binary; a stray NUL is a row error
            raise CsvRefused(
                rule_message("Line {line} is mostly NUL bytes: this is not a text CSV file.", line=line_number)
            )
        yield text


UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")  # NUL and lone surrogates: PostgreSQL cannot store them as text


def unstorable_at(value: str) -> tuple[str, int] | None:
    """(what, position) of the first character of a text value that cannot be stored, or None when it can."""
    match = UNSTORABLE.search(value or "")
    if match is None:
        return None
    what = N_("a NUL character (\\x00)") if match.group() == "\x00" else N_("an invalid character")
    return what, match.start() + 1


def unstorable_text(field: str, value: str) -> str | None:
    """Why a text value cannot be stored (a message naming the field), or None when it can.

    The shared input check of forms and CSV rows, so SQLite and PostgreSQL answer the same.
    """
    found = unstorable_at(value)
    if found is None:
        return None
    return rule_message(
        "{field} contains {what} at position {position}, which cannot be stored; remove it",
        field=field,
        what=found[0],
        position=found[1],
    )


_IDENTIFIER = re.compile(r"^[^\s,;]+$")


def detect_delimiter(sample: list[str], columns: Columns | None = None) -> str:
    """The delimiter that splits the first row into a header (when `columns` are given), else the one that
    splits the most sample rows into a roster row: a first cell that reads as one username or email (no
    spaces, commas or semicolons) and at most two cells. Ties go to `,`, then `;`."""
    best, best_score = ",", -1
    for delimiter in (",", ";", "\t"):
        try:
            records = list(csv.reader(sample, delimiter=delimiter))
        except csv.Error:
            continue
        if columns is not None and records and len(records[0]) > 1 and columns.is_header(_trim(records[0])):
            return delimiter
        score = 0
        for cells in records:
            cells = _trim(cells)
            if cells and len(cells) <= 2 and _IDENTIFIER.match(cells[0].strip().lstrip("\ufeff")):
                score += 1
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _trim(cells: list[str]) -> list[str]:
    if cells and cells[-1].strip():  # the usual row: nothing to trim, no copy
        return cells
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def is_header(cells: list[str]) -> bool:
    return bool(cells) and cells[0].strip().lstrip("\ufeff").lower() in HEADER_WORDS


def read_csv(
    stream: BinaryIO,
    *,
    encoding: str = "utf-8",
    max_rows: int = 200_000,
    max_bytes: int | None = None,
    columns: Columns | None = None,
) -> Iterator[CsvRecord]:
    """Yield every record of the file with its spreadsheet row number and kind.

    Without `columns`, the first record is a header when its first cell is a known header word, and cells
    come as they are. With `columns`, the header is recognised by `Columns.is_header` and the data rows
    of a file with a header come as the wanted columns (by header name); a file without a header keeps
    its cells by position. Raises CsvRefused for a file that cannot be read as a whole (bad bytes, mostly NUL, too
    large, too many rows, broken quoting, a header without the required column).
    """
    long_lines = _LongLines()
    lines = _decoded_lines(stream, encoding, max_bytes, long_lines)
    sample = list(itertools.islice(lines, _SNIFF_LINES))
    delimiter = detect_delimiter(sample, columns)
    reader = csv.reader(itertools.chain(sample, lines), delimiter=delimiter, quotechar='"', strict=False)
    row = 0
    plan: list[list[int]] | None = None
    while True:
        first_line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise CsvRefused(
                rule_message(
                    "Row {row} (line {line}) cannot be read: {error}.", row=row + 1, line=reader.line_num, error=error
                )
            ) from None
        row += 1
        if row > max_rows:
            raise CsvRefused(
                rule_message(
                    "The file has more than {count} rows. Split it and upload the parts.", count=format(max_rows, ",")
                )
            )
        cells = _trim(cells)
        if long_lines and (longest := long_lines.longest_between(first_line, reader.line_num)):
            yield CsvRecord(row, [], RecordKind.DATA, problem=_too_long(longest))
        elif row == 1 and (columns.is_header(cells) if columns else is_header(cells)):
            if columns is not None:
                plan = columns.indexes(cells)
            yield CsvRecord(row, cells, RecordKind.HEADER)
        elif not cells:
            yield CsvRecord(row, cells, RecordKind.BLANK)
        elif (
            plan is None
            and columns is not None
            and len(cells) > len(columns.wanted)  # the usual row stops here; blank cells are counted only then
            and sum(1 for c in cells if c.strip()) > len(columns.wanted)
        ):
            yield CsvRecord(row, [], RecordKind.DATA, problem=_too_wide(cells, columns))
        else:
            yield CsvRecord(row, _pick(cells, plan) if plan is not None else cells, RecordKind.DATA)


def _too_long(length: int) -> str:
    return rule_message(
        "the row is {length} bytes long, more than a row may hold ({most}); its cells are not kept",
        length=format(length, ","),
        most=format(MAX_ROW_BYTES, ","),
    )


def _too_wide(cells: list[str], columns: Columns) -> str:
    names = [name for name, _ in columns.wanted]
    if len(names) == 1:
        return rule_message(
            "{count} cells; expected at most {most}: {names} (the cells are not kept)",
            count=format(len(cells), ","),
            most=len(names),
            names=names[0],
        )
    return rule_message(
        "{count} cells; expected at most {most}: {names} and {last} (the cells are not kept)",
        count=format(len(cells), ","),
        most=len(names),
        names=" and ".join(names[:-1]),
        last=names[-1],
    )


# ---------------------------------------------------------------------------------------------- out


# Characters a spreadsheet skips before it looks for a formula: spaces (no-break ones too), zero-width spaces.
_INVISIBLE_START = re.compile(r"^[\s\u00a0\u180e\u200b-\u200d\u2060\ufeff]+")
# `=` `+` `-` `@` and their fullwidth forms (which spreadsheets with East Asian input read as the same).
_FORMULA_START = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
# A cell holding a separator of any spreadsheet locale (`,` `;` tab), a line break or a quote is quoted.
_NEEDS_QUOTES = re.compile(r'[,;\t\r\n"]')


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will not run: text starting with tab, CR or LF, or whose first visible character
    (after spaces, no-break and zero-width spaces) is = + - @ or a fullwidth ＝ ＋ － ＠, gets a leading '."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES) or text[:1] in _FORMULA_START:
        return "'" + text
    start = _INVISIBLE_START.match(text)
    if start is not None and text[start.end() : start.end() + 1] in _FORMULA_START:
        return "'" + text
    return text


def output_chunk_rows() -> int:
    """Rows per chunk of a streamed download: CSV_OUTPUT_CHUNK_ROWS (CHUNK_ROWS outside an app)."""
    return int(current_app.config.get("CSV_OUTPUT_CHUNK_ROWS", CHUNK_ROWS)) if has_app_context() else CHUNK_ROWS


def _field(value: object) -> str:
    """One formula-safe cell as written in the file: quoted (RFC 4180) when it holds , ; tab, CR, LF or "."""
    text = safe_cell(value)
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _line(cells: Iterable[object]) -> str:
    """One record: formula-safe fields, `""` for a record of one empty cell (so it is not read as blank)."""
    fields = [_field(cell) for cell in cells]
    return ('""' if fields == [""] else ",".join(fields)) + "\r\n"


def csv_lines(
    header: Iterable[object], rows: Iterable[Iterable[object]], *, chunk_rows: int | None = None
) -> Iterator[str]:
    """Stream a CSV download: BOM + header first, then chunks of rows (`chunk_rows`, default the setting),
    every cell formula-safe and quoted wherever a spreadsheet of any locale could split it."""
    chunk_rows = chunk_rows or output_chunk_rows()
    # Each chunk is built inside `english()` (the rows may be built lazily, as the chunk pulls them), and
    # yielded outside it: a download is the same bytes whatever the reader's language.
    with english():
        first = "\ufeff" + _line(header)
    yield first
    source = iter(rows)
    while True:
        with english():
            chunk = "".join(_line(row) for row in itertools.islice(source, chunk_rows))
        if not chunk:
            return
        yield chunk


def write_csv_file(path: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> None:
    """Write a CSV download to a file (CLI), same format as the web downloads."""
    with open(
        path,
        "w",
        encoding="utf-8",  # pragma: no mutate - the default and "UTF-8" write the same bytes on a UTF-8 Linux host
        newline="",  # pragma: no mutate - None writes the same bytes on Linux (the writer ends lines itself)
    ) as out:
        for chunk in csv_lines(header, rows):
            out.write(chunk)
