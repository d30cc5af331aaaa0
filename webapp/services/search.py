"""The one text search of every list (`?q=`): a case-insensitive substring match in which `%`, `_` and the
escape character are what staff typed, never LIKE wildcards."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, func, or_


def search_term(q: str | None) -> str:
    """The search term as matched: stripped and lower-cased ("" means no search)."""
    return (q or "").strip().lower()


def contains_text(q: str | None, *columns: Any) -> ColumnElement[bool]:
    """Rows where any column contains the term, case-insensitively, with LIKE's wildcards escaped."""
    term = search_term(q)
    if not columns:
        return false()
    return or_(*(func.lower(column).contains(term, autoescape=True) for column in columns))
