"""Messages the rules produce (row errors, side effects, refusals), built in English from templates that
`make i18n-extract` collects, so that pages can show them in the reader's language (`webapp.i18n`).

They are stored in English: the stale check hashes them, CSV and JSON outputs and the CLI show them as they
are, and a plan planned in one language can be applied in another.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

# How many `english()` blocks the current code runs inside (a context variable: threads and jobs each count).
_english_depth: ContextVar[int] = ContextVar("english_depth", default=0)


def rule_message(template: str, /, **values: Any) -> str:
    """A rule's message from a translatable `str.format` template:
    `rule_message("{identifier} does not exist; check the spelling", identifier=name)`."""
    return template.format(**values) if values else template


def N_(label: str) -> str:
    """Marks a fixed label (a status, an action) for extraction; pages translate it where they show it
    (`translated`), while CSV, JSON and the CLI keep it in English."""
    return label


def placeholders(template: str) -> list[str]:
    """The names of a template's `{placeholders}`, in order."""
    return [name for _text, name, _spec, _conversion in string.Formatter().parse(template) if name]


@contextmanager
def english() -> Iterator[None]:
    """Inside this block words come out in English whatever the reader's language: wrap the work whose text is
    stored or exported (planning, applying, CSV and JSON output), so the database keeps one language."""
    token = _english_depth.set(_english_depth.get() + 1)
    try:
        yield
    finally:
        _english_depth.reset(token)


def in_english() -> bool:
    """True inside `english()`: text built now is stored or exported, not shown."""
    return _english_depth.get() > 0
