"""A corpus of nasty inputs: each must get a clear refusal, leave the database as it was, and never a 500."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from webapp.extensions import db


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entry = zipfile.ZipInfo("roster.csv", date_time=(2026, 1, 1, 0, 0, 0))  # fixed: the same bytes every run
        entry.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(entry, b"0" * 20_000_000)  # 20 MB of zeros, a few KB compressed
    return buffer.getvalue()


def _binary() -> bytes:
    return random.Random(7).randbytes(64 * 1024)


CSV_CORPUS: dict[str, Callable[[], bytes]] = {
    "binary": _binary,
    "UTF-16 without BOM (mostly NUL bytes)": lambda: "alice,notes\nbob\n".encode("utf-16-le"),
    "50 MB line": lambda: b"alice," + b"x" * 50_000_000 + b"\n",
    "1,000,000 empty rows": lambda: b"\n" * 1_000_000,
    "invalid UTF-8": lambda: b"alice\nbob,caf\xe9\n\xff\xfe\n",
    "zip bomb renamed .csv": _zip_bomb,
    "UTF-16 with BOM": lambda: "username\nalice\n".encode("utf-16"),
    "unterminated quote then 300 KB": lambda: b'alice,"' + b"y" * 300_000 + b"\n",
    "only a header": lambda: b"username_or_email,notes\n",
    "an error report header only": lambda: b"\xef\xbb\xbfusername_or_email,notes,row,code,message\r\n\r\n",
    "a header naming no learner column": lambda: b"notes,full_name,created\nhi,Alice,2026-01-01\n" * 3,
    "empty": lambda: b"",
}

JSON_CORPUS: dict[str, Callable[[], bytes]] = {
    "binary": _binary,
    "deeply nested": lambda: b"[" * 100_000 + b"]" * 100_000,
    "deeply nested objects": lambda: b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "not JSON": lambda: b"<html>502 Bad Gateway</html>",
    "invalid UTF-8": lambda: b'{"reviewStatus": "Clean\xff"}',
    "wrong types everywhere": lambda: (
        b'{"examMetaData": ["x"], "reviewStatus": 5, "webCamComments": "no", '
        b'"desktopComments": {"a": 1}, "results": 7, "name": [], "tags": 3}'
    ),
    "huge number": lambda: b'{"display_order": 1' + b"0" * 5000 + b"}",
    "NaN": lambda: b'{"examMetaData": {"examCode": NaN}, "reviewStatus": NaN}',
    "empty": lambda: b"",
    "null": lambda: b"null",
    "lone surrogate": lambda: b'{"reviewStatus": "Clean", "name": "\\ud800", "examMetaData": {"examCode": "\\udfff"}}',
}


def refusals(response) -> list[str]:
    """The refusals a page shows staff (flashed messages and form field errors), in order."""
    soup = BeautifulSoup(response.data, "html.parser")
    return [p.get_text(" ", strip=True) for p in soup.select(".flashes .flash, .field-error")]


def snapshot() -> dict[str, int]:
    """Row counts of every table but the audit log (a refusal may be logged, never written as data)."""
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name != "audit_events":
            counts[table.name] = db.session.scalar(select(func.count()).select_from(table))
    db.session.rollback()
    return counts
