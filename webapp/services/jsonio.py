"""JSON in, for every door that reads it (webhook, catalog, replay and academy files): one parser that refuses
cleanly whatever it is given — bad UTF-8, empty input, syntax errors, NaN/Infinity, numbers with thousands
of digits, nesting deep enough to exhaust Python's recursion — and refuses, naming the field, what parses in
Python but no database column can store: integers beyond 64 bits, nesting deeper than `MAX_DEPTH`, NUL
characters and unpaired surrogates. A document with more than `MAX_VALUES` values is refused before it is
parsed, so that no input within the upload size limit can take the worker's memory with it."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from flask import current_app, has_app_context

from webapp.services.csvio import UNSTORABLE
from webapp.services.errors import InputRefused, ServiceError
from webapp.services.messages import N_, rule_message

MAX_DEPTH = 64  # nested objects / lists; the JSON columns' writer refuses 255, real payloads use fewer than 10
MAX_VALUES = 1_000_000  # values (objects, lists, scalars) in one document: about 100 MB once parsed
JSON_MAX_ITEMS = 50_000  # default of the JSON_MAX_ITEMS setting
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# A string, or an unclosed one up to the end (so a stray quote is scanned once, never again from each quote).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)', re.DOTALL)
_BYTES_STRING = re.compile(_STRING.pattern.encode(), re.DOTALL)
_BOM = b"\xef\xbb\xbf"
# 19 digits in a row outside strings: a number orjson could read otherwise than `json` (an integer past 64
# bits becomes a float there), so `quick_loads` leaves the document to `loads`
_LONG_DIGITS = re.compile(rb"\d{19}")


class JsonRefused(InputRefused):
    """The input is not JSON this app can read; the message says what and where."""


class NotStorable(ValueError):
    """The cause of a refusal of JSON that parses but cannot be stored (or is too large): see `parsed_but_refused`."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(rule_message("{name} is not a JSON number", name=name))


def _skeleton(text: str | bytes) -> str | bytes:
    """The document without its strings: its structure and numbers."""
    if isinstance(text, bytes):
        return _BYTES_STRING.sub(b"", text) if b'"' in text else text
    return _STRING.sub("", text) if '"' in text else text


def _value_count(text: str | bytes, skeleton: str | bytes | None = None) -> int:
    """About how many values the document holds (separators and containers outside strings), without parsing."""
    bones = _skeleton(text) if skeleton is None else skeleton
    if isinstance(bones, bytes):
        return bones.count(b",") + bones.count(b"[") + bones.count(b"{") + 1
    return bones.count(",") + bones.count("[") + bones.count("{") + 1


def refuse_too_many_values(document: str | bytes, *, what: str, error: type[ServiceError] = JsonRefused) -> None:
    """Refuse a document (text, or the bytes of an upload) with more than MAX_VALUES values, before it is
    parsed: a door that plans in a job calls it before queueing, so the refusal comes at once (a 400)."""
    if _value_count(document) > MAX_VALUES:
        raise error(
            rule_message(
                "{what} holds more than {count} JSON values: split it and upload the parts.",
                what=what,
                count=format(MAX_VALUES, ","),
            )
        ) from NotStorable()


def quick_loads(raw: bytes) -> Any:
    """The document in UTF-8 bytes (a BOM allowed) parsed without decoding it to text first, when it is JSON
    `loads` would accept as it is; else None, and the caller reads it the usual way (`loads`), which refuses
    with the exact message. Saves holding the decoded text, as large as the upload, next to the parse."""
    body = raw[len(_BOM) :] if raw.startswith(_BOM) else raw
    skeleton = _BYTES_STRING.sub(b"", body) if b'"' in body else body
    if _value_count(body, skeleton) > MAX_VALUES or _LONG_DIGITS.search(skeleton):
        return None
    del skeleton
    try:
        value = orjson.loads(body)
        check_storable(value)
    except (orjson.JSONDecodeError, NotStorable, RecursionError):
        return None
    return value


def field_path(path: list[str | int]) -> str:
    """A field's place in a document: `item 2, field “webCamComments[0].eventStart”` (the items of a top-level
    list count from 1 like rows; indexes inside an item from 0, as the payload validation names them)."""
    parts: list[str] = []
    item = ""
    for position, step in enumerate(path):
        if isinstance(step, int):
            if position == 0:
                item = rule_message("item {number}", number=step + 1)
            else:
                parts.append(f"[{step}]")
        else:
            parts.append(("." if parts else "") + step)
    name = rule_message("field “{name}”", name="".join(parts)) if parts else ""
    if item and name:
        return rule_message("{item}, {field}", item=item, field=name)
    return item or name or N_("the document")


def check_storable(value: Any) -> None:
    """Raise NotStorable, naming the field, when a parsed document (JSON or YAML) holds what no column can
    store: an integer beyond 64 bits, nesting deeper than MAX_DEPTH, a NUL character or an unpaired surrogate."""
    _check(value, [], 0)


def _check(value: Any, path: list[str | int], depth: int) -> None:
    """Refuse (naming the field) a value that cannot be stored: recursion is bounded by MAX_DEPTH."""
    if isinstance(value, str):
        if UNSTORABLE.search(value):
            raise NotStorable(
                rule_message(
                    "{field} contains {what}, which cannot be stored", field=field_path(path), what=_what(value)
                )
            )
    elif isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            raise NotStorable(
                rule_message("{field} is nested more than {depth} levels deep", field=field_path(path), depth=MAX_DEPTH)
            )
        entries = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in entries:
            if isinstance(key, str) and UNSTORABLE.search(key):
                raise NotStorable(
                    rule_message(
                        "{field} has a field name with {what}, which cannot be stored",
                        field=field_path(path),
                        what=_what(key),
                    )
                )
            path.append(key)
            _check(item, path, depth + 1)
            path.pop()
    elif isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        digits = str(value)
        shown = digits if len(digits) <= 40 else digits[:40] + "…"
        raise NotStorable(
            rule_message(
                "{field} holds the number {number}, too large to store (integers must fit in 64 bits)",
                field=field_path(path),
                number=shown,
            )
        )


def _what(text: str) -> str:
    match = UNSTORABLE.search(text)
    assert match is not None
    return N_("a NUL character (\\x00)") if match.group() == "\x00" else N_("an unpaired surrogate (\\ud800–\\udfff)")


def loads(text: str, *, what: str, error: type[ServiceError] = JsonRefused) -> Any:
    """Parse JSON text; any problem raises `error` naming `what`, with the line and column, or the field."""
    refuse_too_many_values(text, what=what, error=error)
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
        check_storable(value)
        return value
    except NotStorable as problem:
        raise error(rule_message("{what} cannot be stored: {problem}.", what=what, problem=problem)) from problem
    except json.JSONDecodeError as problem:
        raise error(
            rule_message(
                "{what} is not valid JSON: {problem} at line {line}, column {column}.",
                what=what,
                problem=problem.msg,
                line=problem.lineno,
                column=problem.colno,
            )
        ) from None
    except RecursionError:
        raise error(rule_message("{what} cannot be stored: it is nested too deeply.", what=what)) from NotStorable()
    except ValueError as problem:  # NaN / Infinity, or an integer with more digits than Python converts
        if "digits" in str(problem):
            raise error(
                rule_message("{what} cannot be stored: a number has too many digits.", what=what)
            ) from NotStorable()
        raise error(rule_message("{what} is not valid JSON here: {problem}.", what=what, problem=problem)) from None


def parsed_but_refused(refusal: BaseException) -> bool:
    """True for a refusal of text that is JSON but cannot be stored or is too large (not a syntax error)."""
    return isinstance(refusal.__cause__, NotStorable)


def max_items() -> int:
    """The JSON_MAX_ITEMS setting: most items (replay payloads, academies) one JSON upload may hold."""
    return int(current_app.config.get("JSON_MAX_ITEMS", JSON_MAX_ITEMS)) if has_app_context() else JSON_MAX_ITEMS


def decode_json(raw: bytes, *, what: str, error: type[ServiceError] = JsonRefused) -> Any:
    """Decode UTF-8 (a BOM is allowed) and parse; refuse undecodable or empty input like bad JSON."""
    value = quick_loads(raw)
    if value is not None:
        return value
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise error(
            rule_message(
                "{what} is not UTF-8 text (bad byte at position {position}).", what=what, position=problem.start
            )
        ) from None
    if not text.strip():
        raise error(rule_message("{what} is empty: expected JSON.", what=what))
    return loads(text, what=what, error=error)


def too_many_items(what: str, error: type[ServiceError] = JsonRefused) -> ServiceError:
    """The refusal of an upload with more than `max_items()` items."""
    return error(
        rule_message(
            "{what} has more than {count} items. Split it and upload the parts.",
            what=what,
            count=format(max_items(), ","),
        )
    )


def limit_items(items: list[Any], *, what: str, error: type[ServiceError] = JsonRefused) -> list[Any]:
    """The items of an upload (replay payloads, academies), or `error` when there are more than `max_items()`."""
    if len(items) > max_items():
        raise too_many_items(what, error)
    return items
