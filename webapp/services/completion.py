"""Learner completion export (domain §4): who completed what, for one enterprise customer.

`completion_rows` is the one place the rules live. It yields one `CompletionRow` per enrollment of the
customer's active learners, ordered by course key then username: either a record that goes in the file,
or a skipped enrollment with its reason. It streams: enrollments are read course by course in keyset
pages, and each page loads its consents, certificates, grades and last exports with one IN query each.

Decisions where the domain is silent (see also the models' docstring):
- "audit" enrollment means mode audit or honor (the platform's ENTERPRISE_COURSE_ENROLLMENT_AUDIT_MODES).
- Consents and grades are keyed by course key; a consent or grade of an active learner whose course key
  has no Course row is an enrollment in an unknown course and is skipped as `course_unknown`.
- Every enrollment of an active learner counts, whatever the LMS enrollment's own `is_active` (the
  preview notes an inactive one); inactive learners' enrollments are not considered (counted apart).
- A self-paced or audit enrollment with no grade record is exported, not completed, with an empty grade
  and percent (the platform's `_collect_grades_data` returns `None`s and the record is still yielded); the
  preview notes "no grade yet".
- With "only changes", an enrollment whose grade equals the last exported one is skipped as
  `unchanged`, so the preview still says why it is not in the file.
- `as_of` ("now") decides whether a course has ended and is the completed date of a passed, running
  self-paced course; certificates are taken as they are.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, or_, select, union

from webapp.extensions import db
from webapp.models import Certificate, Course, Enrollment, User
from webapp.models.enterprise import (
    CompletionExport,
    CompletionExportRecord,
    DataSharingConsent,
    EnterpriseCustomer,
    EnterpriseLearner,
    GradeRecord,
)
from webapp.routing import is_course_key
from webapp.services import audit, permissions
from webapp.services.batching import chunks
from webapp.services.errors import InputRefused, NotFound
from webapp.services.messages import N_, english, rule_message
from webapp.services.pagination import Page
from webapp.statuses import PASSING_CERTIFICATE_STATUSES, EnrollmentMode, Grade, Pacing, SkipReason
from webapp.timeutil import epoch_ms, iso, parse_iso, utcnow
from webapp.wording import plural

HEADER = (
    "customer",
    "username",
    "email",
    "course_id",
    "mode",
    "pacing",
    "completed",
    "completed_date",
    "completed_timestamp",
    "grade",
    "grade_percent",
    "source",
)
AUDIT_MODES = frozenset({EnrollmentMode.AUDIT.value, EnrollmentMode.HONOR.value})
PAGE_SIZE = 1000
GRADE_ORDER = (Grade.PASS, Grade.FAIL, Grade.IN_PROGRESS, Grade.AUDIT)
NO_GRADE_YET = N_("no grade yet")  # the note (and count key) of an exported record without a grade record
INACTIVE_ENROLLMENT = N_("enrollment inactive in the LMS")
# Reasons the preview lists even at 0 (the others only when they occur).
ALWAYS_COUNTED = (SkipReason.COURSE_UNKNOWN, SkipReason.NO_CONSENT, SkipReason.AUDIT_NOT_REPORTED)


class Source(StrEnum):
    CERTIFICATE = "certificate"
    GRADES = "grades"


SOURCE_LABELS = {Source.CERTIFICATE.value: N_("Certificate"), Source.GRADES.value: N_("Grades")}


# The words the preview page shows for the stored values (`|translated` there; the CSV keeps the values):
# grades (the value is the label), skip reasons (`statuses.SKIP_LABELS`), enrollment modes, pacing, sources.
GRADE_LABELS = (N_("Pass"), N_("Fail"), N_("In Progress"), N_("Audit"))
SKIP_REASON_LABELS = (
    N_("Course unknown"),
    N_("No data-sharing consent"),
    N_("Audit/honor, audit reporting off"),
    N_("No grade record"),
    N_("Unchanged since last export"),
)
ENROLLMENT_MODE_LABELS = (
    N_("Audit"),
    N_("Honor"),
    N_("Verified"),
    N_("Professional"),
    N_("Professional (no ID)"),
    N_("Master's"),
    N_("Credit"),
    N_("Executive Education"),
)
PACING_LABELS = {Pacing.INSTRUCTOR.value: N_("Instructor-paced"), Pacing.SELF.value: N_("Self-paced")}


class CompletionRefused(InputRefused):
    """The export parameters are refused (bad course key, bad date)."""


def parse_as_of(text: str | None) -> datetime | None:
    """The "as of" time the form gives (ISO 8601 date or time, UTC), or None when empty (the current time)."""
    if not text:
        return None
    try:
        return parse_iso(text)
    except ValueError:
        raise CompletionRefused(
            rule_message("Not an ISO 8601 date, e.g. 2026-06-30 or 2026-06-30T12:00:00Z.")
        ) from None


@dataclass(frozen=True)
class ExportParams:
    customer: str
    course: str | None = None
    as_of: datetime | None = None  # None: the current time
    only_changes: bool = False


@dataclass(slots=True)
class CompletionRow:
    """One enrollment: a record of the file (skip is None) or a skipped enrollment and why."""

    customer: str
    user_id: int
    username: str
    email: str
    course_key: str
    course_name: str = ""
    mode: str = ""
    pacing: str = ""
    completed: bool = False
    completed_date: datetime | None = None
    grade: str = ""
    grade_percent: float | None = None
    source: str = ""
    skip: SkipReason | None = None
    detail: str = ""
    notes: list[str] = field(default_factory=list)  # shown in the preview, never in the file

    @property
    def completed_timestamp(self) -> int | None:
        return epoch_ms(self.completed_date) if self.completed_date else None

    def csv_row(self) -> list[Any]:
        percent = "" if self.grade_percent is None else f"{self.grade_percent:.4g}"
        return [
            self.customer,
            self.username,
            self.email,
            self.course_key,
            self.mode,
            self.pacing,
            "true" if self.completed else "false",
            iso(self.completed_date),
            self.completed_timestamp if self.completed_date else "",
            self.grade,
            percent,
            self.source,
        ]


@dataclass(frozen=True)
class Resolved:
    customer: EnterpriseCustomer
    course: Course | None
    course_key: str | None
    as_of: datetime
    only_changes: bool


# ------------------------------------------------------------------------------------------ the rules


def resolve(actor: User | None, params: ExportParams) -> Resolved:
    """Check the actor (global staff; None = trusted command line) and resolve the parameters."""
    if actor is not None:
        permissions.require_global_staff(actor)
    customer = db.session.scalar(select(EnterpriseCustomer).where(EnterpriseCustomer.slug == params.customer.strip()))
    if customer is None:
        raise NotFound(rule_message("There is no enterprise customer {customer}.", customer=repr(params.customer)))
    course_key = (params.course or "").strip() or None
    course = None
    if course_key:
        if not is_course_key(course_key):
            raise CompletionRefused(
                rule_message("{key} is not a course key like course-v1:Org+Course+Run.", key=repr(course_key))
            )
        course = db.session.scalar(select(Course).where(Course.key == course_key))
    as_of = (params.as_of or utcnow()).replace(microsecond=0)
    return Resolved(customer, course, course_key, as_of, params.only_changes)


def completion_rows(actor: User | None, params: ExportParams) -> Iterator[CompletionRow]:
    """Every enrollment of the customer's active learners, ordered by course, decided by domain §4.

    The permission check and parameter resolution happen now; the rows are produced as they are read.
    """
    return _rows(resolve(actor, params))


def _learner_ids(customer_id: int) -> Select:
    return select(EnterpriseLearner.user_id).where(
        EnterpriseLearner.customer_id == customer_id, EnterpriseLearner.active.is_(True)
    )


def _rows(r: Resolved) -> Iterator[CompletionRow]:
    learners = _learner_ids(r.customer.id)
    known = select(Course).where(Course.id.in_(select(Enrollment.course_id).where(Enrollment.user_id.in_(learners))))
    referenced = union(
        select(DataSharingConsent.course_key).where(
            DataSharingConsent.customer_id == r.customer.id, DataSharingConsent.user_id.in_(learners)
        ),
        select(GradeRecord.course_key).where(GradeRecord.user_id.in_(learners)),
    ).subquery()
    unknown = select(referenced.c.course_key).where(referenced.c.course_key.not_in(select(Course.key)))
    if r.course_key:
        known = known.where(Course.key == r.course_key)
        unknown = unknown.where(referenced.c.course_key == r.course_key)
    courses: list[tuple[str, Course | None]] = [(c.key, c) for c in db.session.scalars(known)]
    courses += [(key, None) for key in db.session.scalars(unknown)]
    for key, course in sorted(courses, key=lambda pair: pair[0]):
        if course is None:
            yield from _unknown_course_rows(r, key, learners)
        else:
            yield from _course_rows(r, course, learners)


def _sorted_pages(query: Select) -> Iterator[list[Any]]:
    """The rows of `query` (user_id, username, …; one row per user) ordered by lower-cased username, then id,
    PAGE_SIZE at a time.

    The ids and usernames are read once and sorted here; each page's rows are then read by id. (A keyset page
    ordered by the database evaluated `lower(username)` over every remaining row for each page: quadratic in
    the course's size, 289,000 calls for 20,000 enrollments.) Holds one (name, id) pair per row of the query.
    """
    user_id, username = query.selected_columns[0], query.selected_columns[1]
    order = sorted((name.lower(), uid) for uid, name in db.session.execute(query.with_only_columns(user_id, username)))
    for start in range(0, len(order), PAGE_SIZE):
        ids = [uid for _, uid in order[start : start + PAGE_SIZE]]
        found = {row[0]: row for batch in chunks(ids) for row in db.session.execute(query.where(user_id.in_(batch)))}
        yield [found[uid] for uid in ids if uid in found]


def _unknown_course_rows(r: Resolved, key: str, learners: Select) -> Iterator[CompletionRow]:
    query = select(User.id.label("user_id"), User.username, User.email).where(
        User.id.in_(learners),
        or_(
            User.id.in_(
                select(DataSharingConsent.user_id).where(
                    DataSharingConsent.customer_id == r.customer.id, DataSharingConsent.course_key == key
                )
            ),
            User.id.in_(select(GradeRecord.user_id).where(GradeRecord.course_key == key)),
        ),
    )
    for page in _sorted_pages(query):
        for row in page:
            yield CompletionRow(
                r.customer.slug,
                row.user_id,
                row.username,
                row.email,
                key,
                skip=SkipReason.COURSE_UNKNOWN,
                detail=rule_message("no such course on this site (known only from a consent or a grade record)"),
            )


def _by_user(query: Select, user_ids: Sequence[int]) -> dict[int, Any]:
    """Rows keyed by their first column (user_id); later rows win."""
    found: dict[int, Any] = {}
    for batch in chunks(list(user_ids)):
        for row in db.session.execute(query.where(query.selected_columns[0].in_(batch))):
            found[row[0]] = row
    return found


def _course_rows(r: Resolved, course: Course, learners: Select) -> Iterator[CompletionRow]:
    query = (
        select(Enrollment.user_id, User.username, User.email, Enrollment.mode, Enrollment.is_active)
        .join(User, User.id == Enrollment.user_id)
        .where(Enrollment.course_id == course.id, Enrollment.user_id.in_(learners))
    )
    for page in _sorted_pages(query):
        ids = [row.user_id for row in page]
        consents = _by_user(
            select(DataSharingConsent.user_id, DataSharingConsent.granted).where(
                DataSharingConsent.customer_id == r.customer.id, DataSharingConsent.course_key == course.key
            ),
            ids,
        )
        certificates = (
            {}
            if course.pacing == Pacing.SELF
            else _by_user(
                select(Certificate.user_id, Certificate.status, Certificate.grade, Certificate.created).where(
                    Certificate.course_id == course.id
                ),
                ids,
            )
        )
        grades = _by_user(
            select(GradeRecord.user_id, GradeRecord.percent, GradeRecord.passed).where(
                GradeRecord.course_key == course.key
            ),
            ids,
        )
        last = (
            _by_user(
                select(CompletionExportRecord.user_id, CompletionExportRecord.grade, CompletionExportRecord.exported_at)
                .where(
                    CompletionExportRecord.customer_id == r.customer.id, CompletionExportRecord.course_key == course.key
                )
                .order_by(CompletionExportRecord.id),
                ids,
            )
            if r.only_changes
            else {}
        )
        for row in page:
            out = CompletionRow(
                r.customer.slug, row.user_id, row.username, row.email, course.key, course.name, row.mode, course.pacing
            )
            if not row.is_active:
                out.notes.append(INACTIVE_ENROLLMENT)
            consent = consents.get(row.user_id)
            _decide(
                out,
                r,
                course,
                None if consent is None else consent.granted,
                certificates.get(row.user_id),
                grades.get(row.user_id),
            )
            previous = last.get(row.user_id)
            if out.skip is None and previous is not None and previous.grade == out.grade:
                out.skip = SkipReason.UNCHANGED
                when = iso(previous.exported_at)
                out.detail = (
                    rule_message("grade {grade} was already exported on {when}", grade=out.grade, when=when)
                    if out.grade
                    else rule_message("already exported with no grade yet on {when}", when=when)
                )
            yield out


def _decide(
    out: CompletionRow, r: Resolved, course: Course, consented: bool | None, certificate: Any, grade: Any
) -> None:
    """Apply domain §4 to one enrollment of a known course (fills `out` in place); consented None = no record."""
    is_audit = out.mode in AUDIT_MODES
    if not consented:
        out.skip = SkipReason.NO_CONSENT
        out.detail = (
            rule_message("the learner refused data-sharing consent for this course")
            if consented is False
            else rule_message("no data-sharing consent recorded for this course")
        )
        return
    if is_audit and not r.customer.enable_audit_reporting:
        out.skip = SkipReason.AUDIT_NOT_REPORTED
        out.detail = rule_message(
            "{mode} enrollment and the customer has not enabled audit reporting", mode=EnrollmentMode(out.mode).label
        )
        return
    if course.pacing != Pacing.SELF and not is_audit:
        out.source = Source.CERTIFICATE
        if certificate is None:
            out.grade = Grade.IN_PROGRESS
            return
        passing = certificate.status in PASSING_CERTIFICATE_STATUSES
        out.completed_date, out.grade_percent = certificate.created, certificate.grade
        out.grade = Grade.PASS if passing else Grade.FAIL
        out.completed = passing
        return
    out.source = Source.GRADES
    if grade is None:  # exported all the same: not completed, empty grade and percent
        out.notes.append(NO_GRADE_YET)
        return
    out.grade_percent = grade.percent
    if course.end is not None and course.end < r.as_of:
        out.completed_date = course.end
        out.grade = Grade.AUDIT if is_audit else (Grade.PASS if grade.passed else Grade.FAIL)
        out.completed = bool(grade.passed)
    elif grade.passed:
        out.completed_date, out.grade, out.completed = r.as_of, Grade.PASS, True
    else:
        out.grade = Grade.IN_PROGRESS


# ------------------------------------------------------------------------------------------- preview


@dataclass
class Preview:
    customer: EnterpriseCustomer
    course: Course | None
    course_key: str | None
    as_of: datetime
    only_changes: bool
    view: str  # "included" | "skipped"
    grade: str | None
    reason: str | None
    grade_counts: dict[str, int]
    skip_counts: dict[str, int]
    no_grade_yet: int
    page: Page
    inactive_learners: int
    last_export: CompletionExport | None
    included: int = 0
    skipped: int = 0
    shown: list[CompletionRow] = field(default_factory=list)


def form_choices(actor: User) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(customers, courses) for the picker: (slug, name) and (key, name), global staff only."""
    permissions.require_global_staff(actor)
    query = select(EnterpriseCustomer).order_by(EnterpriseCustomer.name)
    customers = [(c.slug, c.name) for c in db.session.scalars(query)]
    courses = [(c.key, c.name) for c in db.session.scalars(select(Course).order_by(Course.key))]
    return customers, courses


def preview(
    actor: User,
    params: ExportParams,
    *,
    view: str = "included",
    grade: str | None = None,
    reason: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Preview:
    """Counts by grade and by skip reason, and one page of the chosen rows. Records nothing."""
    resolved = resolve(actor, params)
    view = view if view in {"included", "skipped"} else "included"
    grade = grade if grade in set(Grade) and view == "included" else None
    reason = reason if reason in set(SkipReason) and view == "skipped" else None

    def wanted(row: CompletionRow) -> bool:
        if view == "included":
            return row.skip is None and (grade is None or row.grade == grade)
        return row.skip is not None and (reason is None or row.skip == reason)

    page = max(1, page)
    grades: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    shown: list[CompletionRow] = []
    latest: deque[CompletionRow] = deque(maxlen=per_page)  # the last page, should the page asked be past the end
    total = 0
    start = (page - 1) * per_page
    for row in _rows(resolved):
        if row.skip is None:
            grades[row.grade] += 1
        else:
            reasons[row.skip] += 1
        if wanted(row):
            if start <= total < start + per_page:
                shown.append(row)
            latest.append(row)
            total += 1
    pages = max(1, -(-total // per_page))
    if page > pages:  # past the end: show the last page (from the same pass, not a second one)
        page = pages
        shown = list(latest)[(page - 1) * per_page - total :] if total else []
    return Preview(
        customer=resolved.customer,
        course=resolved.course,
        course_key=resolved.course_key,
        as_of=resolved.as_of,
        only_changes=resolved.only_changes,
        view=view,
        grade=grade,
        reason=reason,
        grade_counts={g.value: grades[g] for g in GRADE_ORDER},
        skip_counts={s.value: reasons[s] for s in SkipReason if reasons[s] or s in ALWAYS_COUNTED},
        no_grade_yet=grades[""],
        page=Page(items=shown, page=page, per_page=per_page, total=total),
        inactive_learners=_inactive_learners(resolved.customer.id),
        last_export=_last_export(resolved),
        included=sum(grades.values()),
        skipped=sum(reasons.values()),
    )


def _inactive_learners(customer_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(EnterpriseLearner)
            .where(EnterpriseLearner.customer_id == customer_id, EnterpriseLearner.active.is_(False))
        )
        or 0
    )


def _last_export(r: Resolved) -> CompletionExport | None:
    return db.session.scalar(
        select(CompletionExport)
        .where(CompletionExport.customer_id == r.customer.id)
        .order_by(CompletionExport.id.desc())
        .limit(1)
    )


# -------------------------------------------------------------------------------------------- export


@dataclass
class Export:
    """A started export: iterate `csv_rows()` once to produce the file; it is recorded when complete."""

    resolved: Resolved
    actor: User | None
    counts: Counter[str] = field(default_factory=Counter)
    export_id: int | None = None

    @property
    def filename(self) -> str:
        r = self.resolved
        course = f"-{r.course_key}" if r.course_key else ""
        changes = "-changes" if r.only_changes else ""
        return f"completion-{r.customer.slug}{course}{changes}-{r.as_of:%Y%m%dT%H%M%SZ}.csv"

    def csv_rows(self) -> Iterator[list[Any]]:
        """The file's rows (header excluded). Each exported row is recorded; all commit at the end.

        If the stream is abandoned (a download cut short) or fails, nothing is recorded.
        """
        r = self.resolved
        export = CompletionExport(
            customer_id=r.customer.id,
            course_key=r.course_key or "",
            as_of=r.as_of,
            only_changes=r.only_changes,
            actor_id=self.actor.id if self.actor else None,
            created=utcnow(),
        )
        db.session.add(export)
        db.session.flush()
        self.export_id = export.id
        pending: list[dict[str, Any]] = []
        try:
            for row in _rows(r):
                if row.skip is not None:
                    self.counts[f"skipped:{row.skip}"] += 1
                    continue
                self.counts[row.grade or NO_GRADE_YET] += 1
                pending.append(
                    {
                        "export_id": export.id,
                        "customer_id": r.customer.id,
                        "user_id": row.user_id,
                        "course_key": row.course_key,
                        "grade": row.grade,
                        "completed": row.completed,
                        "exported_at": export.created,
                    }
                )
                if len(pending) >= PAGE_SIZE:
                    db.session.execute(CompletionExportRecord.__table__.insert(), pending)
                    pending = []
                yield row.csv_row()
            if pending:
                db.session.execute(CompletionExportRecord.__table__.insert(), pending)
            export.exported = self.exported
            export.skipped = self.skipped
            with english():  # the audit summary is stored: English whatever the reader's language
                records = plural(self.exported, "{n} record", "{n} records")
            audit.record(
                "completion.export",
                self.actor,
                summary=(
                    f"Completion export #{export.id} of {r.customer.slug}"
                    f"{' in ' + r.course_key if r.course_key else ''}: "
                    f"{records}, {self.skipped} skipped"
                ),
                course_key=r.course_key or "",
                detail={
                    "export_id": export.id,
                    "customer": r.customer.slug,
                    "as_of": iso(r.as_of),
                    "only_changes": r.only_changes,
                    "counts": dict(self.counts),
                },
            )
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise

    @property
    def exported(self) -> int:
        return sum(n for k, n in self.counts.items() if not k.startswith("skipped:"))

    @property
    def skipped(self) -> int:
        return sum(n for k, n in self.counts.items() if k.startswith("skipped:"))


def start_export(actor: User | None, params: ExportParams) -> Export:
    """Check and resolve now (so a refusal comes before any byte is sent); produce rows on iteration.

    `actor` None means the trusted command line; the export is then recorded with no actor.
    """
    return Export(resolve(actor, params), actor)
