"""Words shared by pages, the command line and services: one singular/plural helper, so no text says
"row(s)". Each call names both whole phrases; `make i18n-extract` collects them as one plural message
(keyword `plural:2,3`), and a page shows them in the reader's language."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import format_decimal, get_translations

from webapp.services.messages import in_english


def english_plural(count: int, singular: str, many: str) -> str:
    """The English phrase: `singular` when count is 1, else `many`; "{n}" is the count with thousands separators."""
    return (singular if count == 1 else many).format(n=f"{count:,}")


def plural(count: int, singular: str, many: str) -> str:
    """`singular` when count is 1, else `many`, in the reader's language during a request (outside
    `services.messages.english()`), else in English; "{n}" in either is the count, grouped per locale.

    plural(1, "{n} row", "{n} rows") -> "1 row"; plural(2_000, "{n} row", "{n} rows") -> "2,000 rows"."""
    if not has_request_context() or in_english():
        return english_plural(count, singular, many)
    return get_translations().ngettext(singular, many, count).format(n=format_decimal(count))
