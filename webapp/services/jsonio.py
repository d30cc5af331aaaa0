"""JSON in, for every door that reads it (webhook, catalog, replay files): one parser that refuses
cleanly whatever it is given — bad UTF-8, empty input, syntax errors, NaN/Infinity, numbers with
thousands of digits, and nesting deep enough to exhaust Python's recursion."""

from __future__ import annotations

import json
from typing import Any

from webapp.services.errors import InputRefused, ServiceError


class JsonRefused(InputRefused):
    """The input is not JSON this app can read; the message says what and where."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads(text: str, *, what: str, error: type[ServiceError] = JsonRefused) -> Any:
    """Parse JSON text; any problem raises `error` naming `what`, with the line and column when known."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
        if "\\ud" in text.lower():  # an escaped lone surrogate parses, but no database can store it
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        return value
    except UnicodeEncodeError:
        raise error(f"{what} is not valid JSON here: it contains an unpaired surrogate (\\ud800–\\udfff).") from None
    except json.JSONDecodeError as problem:
        raise error(
            f"{what} is not valid JSON: {problem.msg} at line {problem.lineno}, column {problem.colno}."
        ) from None
    except RecursionError:
        raise error(f"{what} is not valid JSON here: it is nested too deeply.") from None
    except ValueError as problem:  # NaN / Infinity, or an integer with more digits than Python converts
        detail = "a number has too many digits" if "digits" in str(problem) else str(problem)
        raise error(f"{what} is not valid JSON here: {detail}.") from None


def decode_json(raw: bytes, *, what: str, error: type[ServiceError] = JsonRefused) -> Any:
    """Decode UTF-8 (a BOM is allowed) and parse; refuse undecodable or empty input like bad JSON."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise error(f"{what} is not UTF-8 text (bad byte at position {problem.start}).") from None
    if not text.strip():
        raise error(f"{what} is empty: expected JSON.")
    return loads(text, what=what, error=error)
