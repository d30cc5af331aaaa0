"""Words shared by pages, the command line and services: one singular/plural helper, so no text says
"row(s)". Each call names both whole phrases (a translator can later swap it for ngettext)."""

from __future__ import annotations


def plural(count: int, singular: str, many: str) -> str:
    """`singular` when count is 1, else `many`; "{n}" in either is the count with thousands separators.

    plural(1, "{n} row", "{n} rows") -> "1 row"; plural(2_000, "{n} row", "{n} rows") -> "2,000 rows"."""
    return (singular if count == 1 else many).format(n=f"{count:,}")
