"""Batching: statements stay bounded (`IN` lists of at most `in_batch_size()` values), memory too.

The size is `IN_BATCH_SIZE` in the app config (tests shrink it so every run crosses every batch boundary).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import Table

from webapp.extensions import db

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


INSERT_MANY_BATCH = 2000  # rows per executemany of `insert_many`


def insert_many(table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert rows (value tuples in `columns` order) through the driver's executemany, INSERT_MANY_BATCH at a
    time: the statement compiled once for the dialect, each column's bind processor applied to its values
    (a value repeated from the row before, such as one timestamp for every row, is processed once), and no
    per-row parameter handling by SQLAlchemy, which costs more than the insert itself at 100,000 rows."""
    connection = db.session.connection()
    dialect = connection.dialect
    compiled = table.insert().inline().compile(dialect=dialect, column_keys=list(columns))
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    order = [list(columns).index(name) for name in compiled.positiontup or ()] if compiled.positional else None
    last: list[Any] = [object()] * len(columns)
    done: list[Any] = [None] * len(columns)

    def processed(row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for i, process in enumerate(processors):
            if process is not None and values[i] is not None:
                if values[i] is not last[i]:
                    last[i], done[i] = values[i], process(values[i])
                values[i] = done[i]
        return values

    batch: list[Any] = []
    for row in rows:
        values = processed(row)
        batch.append(tuple(values[i] for i in order) if order is not None else dict(zip(columns, values, strict=True)))
        if len(batch) == INSERT_MANY_BATCH:
            connection.exec_driver_sql(compiled.string, batch)
            batch = []
    if batch:
        connection.exec_driver_sql(compiled.string, batch)
