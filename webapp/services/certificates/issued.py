"""Issued certificates per course (domain §1.1, §1.6): the friendly filters with their counts, search by
username or email, pagination, CSV export, and each certificate's special case.

Rows are the course's certificates. Special case: `invalidated` (an active invalidation) wins over
`exception` (on the allowlist); both are computed in SQL, and the counts of every filter come from one
grouped query, never a query per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, exists, func, literal, or_, select

from webapp.extensions import db
from webapp.models import AllowlistEntry, Certificate, Course, Invalidation, User
from webapp.services import permissions
from webapp.services.certificates.generation import GenerationState, state_of
from webapp.services.errors import ServiceError
from webapp.services.pagination import Page, paginate
from webapp.statuses import CertificateFilter, CertificateStatus, SpecialCase

NOT_RECEIVED_STATUSES = (CertificateStatus.NOTPASSING, CertificateStatus.UNAVAILABLE)


def _on_allowlist() -> ColumnElement[bool]:
    return exists().where(
        AllowlistEntry.user_id == Certificate.user_id, AllowlistEntry.course_id == Certificate.course_id
    )


def _invalidated() -> ColumnElement[bool]:
    return exists().where(Invalidation.certificate_id == Certificate.id, Invalidation.active.is_(True))


def _special_case() -> ColumnElement[str]:
    return case(
        (_invalidated(), literal(SpecialCase.INVALIDATED.value)),
        (_on_allowlist(), literal(SpecialCase.EXCEPTION.value)),
        else_=literal(SpecialCase.NONE.value),
    )


def _condition(selected: CertificateFilter) -> ColumnElement[bool] | None:
    """The SQL condition of a filter (None: every certificate)."""
    return {
        CertificateFilter.ALL: None,
        CertificateFilter.RECEIVED: Certificate.status == CertificateStatus.DOWNLOADABLE,
        CertificateFilter.NOT_RECEIVED: Certificate.status.in_([str(s) for s in NOT_RECEIVED_STATUSES]),
        CertificateFilter.AUDIT_PASSING: Certificate.status == CertificateStatus.AUDIT_PASSING,
        CertificateFilter.AUDIT_NOT_PASSING: Certificate.status == CertificateStatus.AUDIT_NOTPASSING,
        CertificateFilter.ERROR_STATE: Certificate.status == CertificateStatus.ERROR,
        CertificateFilter.GRANTED_EXCEPTIONS: _on_allowlist(),
        CertificateFilter.INVALIDATED: _invalidated(),
    }[selected]


# The same filters on one grouped row (status, on allowlist, invalidated), to count without a query each.
_MATCHES: dict[CertificateFilter, Callable[[str, bool, bool], bool]] = {
    CertificateFilter.ALL: lambda status, allowed, invalid: True,
    CertificateFilter.RECEIVED: lambda status, allowed, invalid: status == CertificateStatus.DOWNLOADABLE,
    CertificateFilter.NOT_RECEIVED: lambda status, allowed, invalid: status in NOT_RECEIVED_STATUSES,
    CertificateFilter.AUDIT_PASSING: lambda status, allowed, invalid: status == CertificateStatus.AUDIT_PASSING,
    CertificateFilter.AUDIT_NOT_PASSING: lambda status, allowed, invalid: status == CertificateStatus.AUDIT_NOTPASSING,
    CertificateFilter.ERROR_STATE: lambda status, allowed, invalid: status == CertificateStatus.ERROR,
    CertificateFilter.GRANTED_EXCEPTIONS: lambda status, allowed, invalid: allowed,
    CertificateFilter.INVALIDATED: lambda status, allowed, invalid: invalid,
}


def parse_filter(value: str | None) -> CertificateFilter:
    """A filter from its value (`not_received`) or its label (`Not received`, `Audit – passing`); any case."""
    text = re.sub(r"[^a-z]+", "_", (value or "").strip().lower()).strip("_")
    if not text:
        return CertificateFilter.ALL
    for option in CertificateFilter:
        if text in (option.value, re.sub(r"[^a-z]+", "_", option.label.lower()).strip("_")):
            return option
    choices = ", ".join(f"{f.value} ({f.label})" for f in CertificateFilter)
    raise ServiceError(f"Unknown filter {value!r}; choose one of: {choices}.")


def _base(course: Course, q: str) -> Select:
    query = (
        select(Certificate, User, _special_case().label("special_case"))
        .join(User, User.id == Certificate.user_id)
        .where(Certificate.course_id == course.id)
    )
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.username).like(pattern), func.lower(User.email).like(pattern)))
    return query


def _filtered(course: Course, selected: CertificateFilter, q: str) -> Select:
    query = _base(course, q)
    condition = _condition(selected)
    if condition is not None:
        query = query.where(condition)
    return query.order_by(func.lower(User.username), Certificate.id)


def filter_counts(course: Course, q: str = "") -> dict[CertificateFilter, int]:
    """How many certificates each filter shows (with the search applied): one grouped query."""
    allowed, invalid = _on_allowlist().label("allowed"), _invalidated().label("invalid")
    inner = (
        select(Certificate.status.label("status"), allowed, invalid)
        .join(User, User.id == Certificate.user_id)
        .where(Certificate.course_id == course.id)
    )
    if q:
        pattern = f"%{q.lower()}%"
        inner = inner.where(or_(func.lower(User.username).like(pattern), func.lower(User.email).like(pattern)))
    sub = inner.subquery()
    grouped = db.session.execute(
        select(sub.c.status, sub.c.allowed, sub.c.invalid, func.count()).group_by(
            sub.c.status, sub.c.allowed, sub.c.invalid
        )
    ).all()
    return {
        f: sum(n for status, a, i, n in grouped if _MATCHES[f](status, bool(a), bool(i))) for f in CertificateFilter
    }


@dataclass
class IssuedRow:
    certificate: Certificate
    user: User
    special_case: str


@dataclass
class IssuedList:
    course: Course
    selected: CertificateFilter
    q: str
    counts: dict[CertificateFilter, int]
    page: Page
    generation: GenerationState

    @property
    def rows(self) -> list[IssuedRow]:
        return self.page.items


def issued_list(
    actor: User, course_key: str, *, filter_value: str | None = None, q: str = "", page: int = 1, per_page: int = 50
) -> IssuedList:
    """One page of the course's certificates under a filter, with every filter's count and the toggle state."""
    course = permissions.require_course(actor, course_key)
    try:
        selected = parse_filter(filter_value)
    except ServiceError:
        selected = CertificateFilter.ALL
    q = (q or "").strip()
    result = paginate(_filtered(course, selected, q), page, per_page, scalars=False)
    result.items = [IssuedRow(cert, user, special or "") for cert, user, special in result.items]
    return IssuedList(course, selected, q, filter_counts(course, q), result, state_of(course))


EXPORT_HEADER = ("username", "email", "full_name", "status", "special_case", "grade", "created")
CLI_HEADER = ("username", "status", "special_case")


def _iso(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def export_rows(
    actor: User | None,
    course_key: str,
    *,
    filter_value: str | None = None,
    q: str = "",
    columns: tuple[str, ...] = EXPORT_HEADER,
) -> tuple[str, Iterator[list[str]]]:
    """File name and rows (streamed) of the certificates under a filter; `columns` picks from EXPORT_HEADER."""
    course = permissions.course_for(actor, course_key)
    selected = parse_filter(filter_value)
    query = _filtered(course, selected, (q or "").strip()).execution_options(yield_per=1000)

    def rows() -> Iterator[list[str]]:
        for cert, user, special in db.session.execute(query):
            values = {
                "username": user.username,
                "email": user.email,
                "full_name": user.full_name,
                "status": cert.status,
                "special_case": special or "",
                "grade": "" if cert.grade is None else f"{cert.grade:g}",
                "created": _iso(cert.created),
            }
            yield [values[c] for c in columns]

    return f"certificates-{course.key}-{selected.value}.csv", rows()
