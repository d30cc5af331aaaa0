"""Pagination of select() statements: one COUNT and one LIMIT/OFFSET query per page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from webapp.extensions import db


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)


def clamp(total: int, page: int, per_page: int) -> tuple[int, int]:
    """(page, per_page) within range: at most 500 rows a page, and a page past the end shows the last one."""
    per_page = max(1, min(int(per_page), 500))
    pages = max(1, -(-total // per_page))
    return max(1, min(int(page or 1), pages)), per_page


def paginate(
    query: Select, page: int = 1, per_page: int = 50, *, scalars: bool = True, total: int | None = None
) -> Page:
    """Run one page of a select; `page` is clamped to the valid range. `total`: the select's row count when the
    caller has it already (otherwise counted here)."""
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page, per_page = clamp(total, page, per_page)
    paged = query.limit(per_page).offset((page - 1) * per_page)
    result = db.session.execute(paged)
    items = list(result.scalars()) if scalars else list(result)
    return Page(items=items, page=page, per_page=per_page, total=total)


def page_arg(value: str | None) -> int:
    """A page number from a query string; anything that is not a positive integer is page 1."""
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1
