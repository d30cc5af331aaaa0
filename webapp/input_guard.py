"""Hostile text at the door: one check of every request's path, query string, form fields and file names.

A NUL character (or an unpaired surrogate) cannot be stored as text on PostgreSQL, and no address, search,
form field or file name of this app needs one: such a request is refused with 400 and a message naming
the field, before any view runs, so every page answers the same on SQLite and PostgreSQL. File contents
are checked by the readers that parse them (CSV, JSON, YAML).
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask, abort, request

from webapp.services.csvio import unstorable_at
from webapp.services.messages import rule_message


def _texts() -> Iterator[tuple[str, str]]:
    """(where, text) for every piece of text the request carries, its names included."""
    yield rule_message("The address"), request.path
    for name, value in request.args.items(multi=True):
        yield rule_message("The “{name}” parameter name", name=name), name
        yield rule_message("The “{name}” parameter", name=name), value
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for name, value in request.form.items(multi=True):
            yield rule_message("The “{name}” field name", name=name), name
            yield rule_message("The “{name}” field", name=name), value
        for name, upload in request.files.items(multi=True):
            yield rule_message("The name of the file in “{name}”", name=name), upload.filename or ""


def refuse_unstorable_text() -> None:
    """Before every request: 400 when any text of the request cannot be stored."""
    for where, text in _texts():
        found = unstorable_at(text)
        if found is not None:
            what, position = found
            reason = rule_message(
                "{field} contains {what} at position {position}, which cannot be stored; remove it.",
                field=where.replace("\x00", "\\x00"),  # a NUL in a name is shown escaped
                what=what,
                position=position,
            )
            abort(400, reason)


def register(app: Flask) -> None:
    app.before_request(refuse_unstorable_text)
