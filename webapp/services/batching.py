"""Batching: statements stay bounded (`IN` lists of at most `in_batch_size()` values), memory too.

The size is `IN_BATCH_SIZE` in the app config (tests shrink it so every run crosses every batch boundary).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from flask import current_app, has_app_context

# Values per `IN (...)` list: below SQLite's old 999-parameter limit, with room for the other parameters.
IN_BATCH_SIZE = 900

T = TypeVar("T")


def in_batch_size() -> int:
    """The configured `IN` batch size (IN_BATCH_SIZE outside an app)."""
    if has_app_context():
        return int(current_app.config.get("IN_BATCH_SIZE", IN_BATCH_SIZE))
    return IN_BATCH_SIZE


def chunks(seq: Sequence[T], size: int | None = None) -> Iterator[Sequence[T]]:
    """Consecutive slices of `seq`, `size` (default: the `IN` batch size) at a time."""
    size = size or in_batch_size()
    for start in range(0, len(seq), size):
        yield seq[start : start + size]
