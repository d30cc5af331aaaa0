"""Issued certificates per course (domain §1.1, §1.6): the platform's filters with their counts, search by
username or email, pagination, CSV export with the platform's columns, and each learner's special case.

Rows are the course's learners that have a certificate or an exception (Granted Exceptions lists every
allowlisted learner, also those without a certificate yet). Special case: Exception wins over Invalidation
(the platform's `IssuedCertificateSerializer`). Everything a row shows comes from one joined query; the
counts of every filter from one grouped query, never a query per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select, union
from sqlalchemy.orm import aliased

from webapp.extensions import db
from webapp.models import AllowlistEntry, Certificate, Course, Enrollment, Invalidation, User
from webapp.services import learner_pages, permissions
from webapp.services.certificates.generation import GenerationState, state_of
from webapp.services.certificates.generation_runs import GenerationRun, generation_history
from webapp.services.charts import Segment
from webapp.services.errors import InputRefused, ServiceError
from webapp.services.messages import N_, rule_message
from webapp.services.pagination import Page, clamp, paginate
from webapp.services.search import contains_text, search_term
from webapp.statuses import CertificateFilter, CertificateStatus, EnrollmentMode, SpecialCase

NOT_RECEIVED_STATUSES = (CertificateStatus.NOTPASSING, CertificateStatus.UNAVAILABLE)


def _on_allowlist() -> ColumnElement[bool]:
    return AllowlistEntry.id.is_not(None)


def _invalidated() -> ColumnElement[bool]:
    return Invalidation.id.is_not(None)


def _special_case() -> ColumnElement[str]:
    return case(
        (_on_allowlist(), literal(SpecialCase.EXCEPTION.value)),
        (_invalidated(), literal(SpecialCase.INVALIDATED.value)),
        else_=literal(SpecialCase.NONE.value),
    )


def _condition(selected: CertificateFilter) -> ColumnElement[bool] | None:
    """The SQL condition of a filter (None: every learner of the list)."""
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
    raise InputRefused(
        rule_message("Unknown filter {value}; choose one of: {choices}.", value=repr(value), choices=choices)
    )


def _joined(query: Select, course: Course, q: str) -> Select:
    """The course's learners with a certificate or an exception, joined to both, the active invalidation
    (and who made it) and the enrollment; searched by username or email."""
    learners = union(
        select(Certificate.user_id.label("user_id")).where(Certificate.course_id == course.id),
        select(AllowlistEntry.user_id.label("user_id")).where(AllowlistEntry.course_id == course.id),
    ).subquery()
    query = (
        query.select_from(User)
        .join(learners, learners.c.user_id == User.id)
        .outerjoin(Certificate, and_(Certificate.user_id == User.id, Certificate.course_id == course.id))
        .outerjoin(AllowlistEntry, and_(AllowlistEntry.user_id == User.id, AllowlistEntry.course_id == course.id))
        .outerjoin(Invalidation, and_(Invalidation.certificate_id == Certificate.id, Invalidation.active.is_(True)))
    )
    if search_term(q):
        query = query.where(contains_text(q, User.username, User.email))
    return query


def _in_course_list(course: Course) -> ColumnElement[bool]:
    """The condition (on `User`) that a user is on the course's list: a certificate or an exception."""
    certified = select(Certificate.id).where(Certificate.user_id == User.id, Certificate.course_id == course.id)
    allowed = select(AllowlistEntry.id).where(AllowlistEntry.user_id == User.id, AllowlistEntry.course_id == course.id)
    return or_(certified.exists(), allowed.exists())


def _filtered(course: Course, selected: CertificateFilter, q: str) -> Select:
    invalidator = aliased(User)  # made here, not at import: aliasing configures every mapper (~0.05 s at start-up)
    query = _joined(
        select(
            User,
            Certificate,
            AllowlistEntry,
            Invalidation,
            invalidator.username.label("invalidated_by"),
            Enrollment.mode.label("track"),
            _special_case().label("special_case"),
        ),
        course,
        q,
    )
    query = query.outerjoin(invalidator, invalidator.id == Invalidation.invalidated_by_id).outerjoin(
        Enrollment, and_(Enrollment.user_id == User.id, Enrollment.course_id == course.id)
    )
    condition = _condition(selected)
    if condition is not None:
        query = query.where(condition)
    return query.order_by(func.lower(User.username), User.id)


def filter_counts(course: Course, q: str = "") -> dict[CertificateFilter, int]:
    """How many learners each filter shows (with the search applied): one grouped query (two without a search)."""
    if search_term(q):
        inner = _joined(
            select(
                Certificate.status.label("status"), _on_allowlist().label("allowed"), _invalidated().label("invalid")
            ),
            course,
            q,
        )
        grouped = _grouped(inner)
    else:
        grouped = _grouped_whole_course(course)
    return {
        f: sum(n for status, a, i, n in grouped if _MATCHES[f](status, bool(a), bool(i))) for f in CertificateFilter
    }


def _grouped(inner: Select) -> list[Any]:
    """(status, allowed, invalid, count) rows of a select of those three values."""
    sub = inner.subquery()
    query = select(sub.c.status, sub.c.allowed, sub.c.invalid, func.count())
    return list(db.session.execute(query.group_by(sub.c.status, sub.c.allowed, sub.c.invalid)).all())


def _grouped_whole_course(course: Course) -> list[Any]:
    """`_grouped` for the whole course without the union of its learners and the join of every user (a search
    needs them): the certificates with their exception and active invalidation, then the exceptions of
    learners without a certificate, each counted on its own table (100,000 learners: about half the time)."""
    holders = (
        select(Certificate.status.label("status"), _on_allowlist().label("allowed"), _invalidated().label("invalid"))
        .select_from(Certificate)
        .outerjoin(
            AllowlistEntry, and_(AllowlistEntry.user_id == Certificate.user_id, AllowlistEntry.course_id == course.id)
        )
        .outerjoin(Invalidation, and_(Invalidation.certificate_id == Certificate.id, Invalidation.active.is_(True)))
        .where(Certificate.course_id == course.id)
    )
    without_certificate = db.session.scalar(
        select(func.count())
        .select_from(AllowlistEntry)
        .outerjoin(Certificate, and_(Certificate.user_id == AllowlistEntry.user_id, Certificate.course_id == course.id))
        .where(AllowlistEntry.course_id == course.id, Certificate.id.is_(None))
    )
    return [*_grouped(holders), *([(None, True, False, without_certificate)] if without_certificate else [])]


def status_segments(course: Course) -> list[Segment]:
    """The course's certificates by status, as the course page's bar shows them (the filters' words):
    Received, Not Received, Audit (passing or not), Error, Invalidated."""
    counts = filter_counts(course)
    return [
        Segment(CertificateFilter.RECEIVED.label, counts[CertificateFilter.RECEIVED], "good"),
        Segment(CertificateFilter.NOT_RECEIVED.label, counts[CertificateFilter.NOT_RECEIVED], "muted"),
        Segment(
            N_("Audit"),
            counts[CertificateFilter.AUDIT_PASSING] + counts[CertificateFilter.AUDIT_NOT_PASSING],
            "info",
        ),
        Segment(N_("Error"), counts[CertificateFilter.ERROR_STATE], "bad"),
        Segment(CertificateFilter.INVALIDATED.label, counts[CertificateFilter.INVALIDATED], "warn"),
    ]


@dataclass
class IssuedRow:
    """One learner of the list, with everything the platform's columns show (domain §1.6)."""

    user: User
    certificate: Certificate | None
    entry: AllowlistEntry | None
    invalidation: Invalidation | None
    invalidated_by: str
    track: str
    special_case: str

    @property
    def status_label(self) -> str:
        if self.certificate is None:
            return N_("No certificate")
        try:
            return CertificateStatus(self.certificate.status).label
        except ValueError:
            return self.certificate.status

    @property
    def special_case_label(self) -> str:
        return SpecialCase(self.special_case or "").label

    @property
    def track_label(self) -> str:
        try:
            return EnrollmentMode(self.track).value.replace("-", " ").capitalize() if self.track else ""
        except ValueError:
            return self.track


@dataclass
class IssuedList:
    course: Course
    selected: CertificateFilter
    q: str
    counts: dict[CertificateFilter, int]
    page: Page
    generation: GenerationState
    history: list[GenerationRun]
    may_change: bool

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
    counts = filter_counts(course, q)  # the selected filter's count is the list's: not counted twice
    total = counts[selected]
    if selected == CertificateFilter.ALL and not search_term(q) and learner_pages.walks_users(total):
        page, per_page = clamp(total, page, per_page)
        ids = learner_pages.user_ids_in_order(_in_course_list(course), page, per_page)
        rows = db.session.execute(_filtered(course, selected, q).where(User.id.in_(ids))).all() if ids else []
        result = Page([_row(r) for r in rows], page, per_page, total)
    else:
        result = paginate(_filtered(course, selected, q), page, per_page, scalars=False, total=total)
        result.items = [_row(r) for r in result.items]
    return IssuedList(
        course,
        selected,
        q,
        counts,
        result,
        state_of(course),
        generation_history(course),
        permissions.may_change_certificates(actor, course),
    )


def _row(r) -> IssuedRow:
    user, cert, entry, inv, by, track, special = r
    return IssuedRow(user, cert, entry, inv, by or "", track or "", special or "")


EXPORT_HEADER = (
    "username",
    "email",
    "enrollment_track",
    "status",
    "special_case",
    "exception_granted",
    "exception_notes",
    "invalidated_by",
    "invalidation_date",
    "invalidation_note",
    "grade",
    "created",
)
CLI_HEADER = ("username", "status", "special_case")  # `certificates list`: codes, for scripts
CLI_COLUMNS = ("username", "status_code", "special_case_code")


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
    """File name and rows (streamed) of the list under a filter; `columns` picks from EXPORT_HEADER (labels)
    or CLI_COLUMNS (codes)."""
    course = permissions.course_for(actor, course_key)
    selected = parse_filter(filter_value)
    query = _filtered(course, selected, (q or "").strip()).execution_options(yield_per=1000)

    def rows() -> Iterator[list[str]]:
        for r in db.session.execute(query):
            row = _row(r)
            cert, entry, inv = row.certificate, row.entry, row.invalidation
            values = {
                "username": row.user.username,
                "email": row.user.email,
                "enrollment_track": row.track_label,
                "status": row.status_label,
                "special_case": row.special_case_label,
                "status_code": cert.status if cert else "",
                "special_case_code": row.special_case,
                "exception_granted": _iso(entry.created) if entry else "",
                "exception_notes": entry.notes if entry else "",
                "invalidated_by": row.invalidated_by,
                "invalidation_date": _iso(inv.created) if inv else "",
                "invalidation_note": inv.notes if inv else "",
                "grade": "" if cert is None or cert.grade is None else f"{cert.grade:g}",
                "created": _iso(cert.created) if cert else "",
            }
            yield [values[c] for c in columns]

    return f"certificates-{course.key}-{selected.value}.csv", rows()
