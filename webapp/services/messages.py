"""Messages the rules produce (row errors, side effects, refusals), built in English from templates that
`make i18n-extract` collects, so that pages can show them in the reader's language (`webapp.i18n`).

They are stored in English: the stale check hashes them, CSV and JSON outputs and the CLI show them as they
are, and a plan planned in one language can be applied in another.
"""

from __future__ import annotations

import string
from typing import Any


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
