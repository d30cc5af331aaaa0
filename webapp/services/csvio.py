"""CSV in and out, for every upload and every download.

In: decodes UTF-8 (with or without BOM) or an explicitly chosen Windows-1252, refuses undecodable bytes
with their line, detects `,` `;` or tab, detects a header row, numbers rows as a spreadsheet shows them
(blank rows count; a quoted cell with line breaks stays one row), and enforces size and row limits.
It streams: lines are decoded and parsed one at a time, never copied whole.

Out: UTF-8 with BOM, RFC 4180 quoting, and formula-injection escaping of every cell.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

from webapp.services.errors import InputRefused

ENCODINGS = {"utf-8": "utf-8-sig", "cp1252": "cp1252"}
ENCODING_LABELS = {"utf-8": "UTF-8 (also with BOM)", "cp1252": "Windows-1252 (older Excel)"}
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
HEADER_WORDS = frozenset({"username", "email", "username_or_email", "user", "learner", "identifier"})
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
_SNIFF_LINES = 20


class CsvRefused(InputRefused):
    """The file is refused as a whole; the message says what and where."""


class RecordKind(StrEnum):
    HEADER = "header"
    BLANK = "blank"
    DATA = "data"


@dataclass(frozen=True, slots=True)
class CsvRecord:
    """One record of the file: its spreadsheet row number and its cells (trailing empty cells dropped)."""

    row: int
    cells: list[str]
    kind: RecordKind


def check_csv_filename(filename: str | None) -> str:
    """The upload's name, if it ends in .csv (any case); else the whole file is refused."""
    name = (filename or "").strip()
    if not name:
        raise CsvRefused("Choose a CSV file to upload.")
    if not name.lower().endswith(".csv"):
        raise CsvRefused(f"“{name}” is not a .csv file. Save the sheet as “CSV UTF-8” and upload that.")
    return name


def _decoded_lines(stream: BinaryIO, encoding: str, max_bytes: int | None) -> Iterator[str]:
    """Decode the byte stream line by line; a bad byte is refused with its line and position."""
    codec = ENCODINGS.get(encoding)
    if codec is None:
        raise CsvRefused(f"Unknown encoding {encoding!r}: choose one of {', '.join(ENCODINGS)}.")
    seen = 0
    for line_number, raw in enumerate(stream, start=1):
        seen += len(raw)
        if max_bytes is not None and seen > max_bytes:
            raise CsvRefused(
                f"The file is larger than the {max_bytes // (1024 * 1024)} MB limit. Split it and upload the parts."
            )
        if line_number == 1 and raw.startswith(b"\xef\xbb\xbf") and codec == "cp1252":
            raw = raw[3:]
        try:
            text = raw.decode(codec if line_number == 1 else codec.removesuffix("-sig"))
        except UnicodeDecodeError as error:
            bad = raw[error.start : error.start + 1].hex()
            raise CsvRefused(
                f"Line {line_number}: byte 0x{bad} at position {error.start + 1} is not valid "
                f"{'UTF-8' if encoding == 'utf-8' else encoding}. Save the file as “CSV UTF-8” in your "
                "spreadsheet, or choose the Windows-1252 encoding on the upload form."
            ) from None
        if "\x00" in text:
            raise CsvRefused(f"Line {line_number} contains a NUL byte: this is not a text CSV file.")
        yield text


_IDENTIFIER = re.compile(r"^[^\s,;]+$")


def detect_delimiter(sample: list[str]) -> str:
    """The delimiter that splits the most sample rows into a roster row: a first cell that reads as one
    username or email (no spaces, commas or semicolons) and at most two cells. Ties go to `,`, then `;`."""
    best, best_score = ",", -1
    for delimiter in (",", ";", "\t"):
        try:
            records = list(csv.reader(sample, delimiter=delimiter))
        except csv.Error:
            continue
        score = 0
        for cells in records:
            cells = _trim(cells)
            if cells and len(cells) <= 2 and _IDENTIFIER.match(cells[0].strip().lstrip("\ufeff")):
                score += 1
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _trim(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def is_header(cells: list[str]) -> bool:
    return bool(cells) and cells[0].strip().lstrip("\ufeff").lower() in HEADER_WORDS


def read_csv(
    stream: BinaryIO, *, encoding: str = "utf-8", max_rows: int = 200_000, max_bytes: int | None = None
) -> Iterator[CsvRecord]:
    """Yield every record of the file with its spreadsheet row number and kind.

    The first record is a header when its first cell is a known header word. Raises CsvRefused for
    a file that cannot be read as a whole (bad bytes, NUL, too large, too many rows, broken quoting).
    """
    lines = _decoded_lines(stream, encoding, max_bytes)
    sample = list(itertools.islice(lines, _SNIFF_LINES))
    delimiter = detect_delimiter(sample)
    reader = csv.reader(itertools.chain(sample, lines), delimiter=delimiter, quotechar='"', strict=False)
    row = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise CsvRefused(f"Row {row + 1} (line {reader.line_num}) cannot be read: {error}.") from None
        row += 1
        if row > max_rows:
            raise CsvRefused(f"The file has more than {max_rows:,} rows. Split it and upload the parts.")
        cells = _trim(cells)
        if row == 1 and is_header(cells):
            kind = RecordKind.HEADER
        elif not cells:
            kind = RecordKind.BLANK
        else:
            kind = RecordKind.DATA
        yield CsvRecord(row, cells, kind)


# ---------------------------------------------------------------------------------------------- out


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ tab CR LF gets a leading '."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_lines(header: Iterable[object], rows: Iterable[Iterable[object]], *, chunk_rows: int = 500) -> Iterator[str]:
    """Stream a CSV download: BOM + header first, then chunks of rows, every cell formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(cell) for cell in row])
        if count % chunk_rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def write_csv_file(path: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> None:
    """Write a CSV download to a file (CLI), same format as the web downloads."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        for chunk in csv_lines(header, rows):
            out.write(chunk)
