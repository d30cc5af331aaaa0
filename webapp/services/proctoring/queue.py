"""What staff read: the review queue, needs attention, one review, and attempts per exam (domain §2.3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import format_date, gettext
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import Course, CourseStaff, User
from webapp.models.proctoring import (
    ExamAttempt,
    ProctoredExam,
    Review,
    ReviewHistory,
    SupportNotification,
)
from webapp.services import permissions
from webapp.services.batching import chunks
from webapp.services.charts import Column, Segment
from webapp.services.pagination import Page, paginate
from webapp.services.proctoring.attempts import credit_statuses
from webapp.services.proctoring.payload import STANDARD_STATUS
from webapp.services.search import contains_text
from webapp.statuses import AttemptStatus, ProviderReviewStatus, ReviewStatus
from webapp.timeutil import utcnow


@dataclass
class QueueFilters:
    """The queue's filters as staff pick them (all optional)."""

    review_status: str = ""  # a provider status string
    course: str = ""  # a course key
    exam: int | None = None  # an exam id
    unreviewed: bool = False  # no human reviewer
    unreviewed_failures: bool = False  # no human reviewer and Suspicious
    q: str = ""  # username or attempt code
    page: int = 1

    def args(self) -> dict:
        """The filters as query-string arguments (for links and the pager)."""
        return {
            k: v
            for k, v in {
                "review_status": self.review_status,
                "course": self.course,
                "exam": self.exam,
                "unreviewed": "1" if self.unreviewed else "",
                "unreviewed_failures": "1" if self.unreviewed_failures else "",
                "q": self.q,
            }.items()
            if v
        }


@dataclass
class QueueRow:
    review: Review
    attempt: ExamAttempt
    standard_status: str


@dataclass
class Queue:
    rows: list[QueueRow]
    page: Page
    filters: QueueFilters
    courses: list[Course]
    exams: list[ProctoredExam]
    needs_attention: int
    weeks: list[Column] = field(default_factory=list)  # review outcomes per week, oldest first


def _visible(query: Select, actor: User) -> Select:
    """Course staff see only their courses; global staff see all."""
    if actor.is_staff:
        return query
    mine = select(CourseStaff.course_id).where(CourseStaff.user_id == actor.id)
    return query.where(ProctoredExam.course_id.in_(mine))


def _base(actor: User) -> Select:
    return _visible(
        select(Review)
        .join(ExamAttempt, ExamAttempt.id == Review.attempt_id)
        .join(ProctoredExam, ProctoredExam.id == ExamAttempt.exam_id)
        .join(Course, Course.id == ProctoredExam.course_id)
        .join(User, User.id == ExamAttempt.user_id),
        actor,
    )


def _needs_attention(query: Select) -> Select:
    """Suspicious, no human reviewer, and the attempt not reset (an archived attempt takes no second review)."""
    return query.where(
        Review.reviewer_id.is_(None),
        Review.review_status == ProviderReviewStatus.SUSPICIOUS,
        ExamAttempt.archived.is_(None),
    )


def review_queue(actor: User, filters: QueueFilters, *, course_key: str = "", per_page: int = 50) -> Queue:
    """Reviews newest first, filtered and searched, one page; limited to the actor's courses."""
    if course_key:
        permissions.require_course(actor, course_key)
        filters.course = course_key
    query = _base(actor)
    if filters.course:
        query = query.where(Course.key == filters.course)
    if filters.exam:
        query = query.where(ProctoredExam.id == filters.exam)
    if filters.review_status:
        query = query.where(Review.review_status == filters.review_status)
    if filters.unreviewed or filters.unreviewed_failures:
        query = query.where(Review.reviewer_id.is_(None))
    if filters.unreviewed_failures:
        query = _needs_attention(query)
    q = filters.q.strip()
    if q:
        query = query.where(
            or_(
                contains_text(q, User.username),
                func.upper(Review.attempt_code) == q.upper(),
            )
        )
    query = query.options(
        joinedload(Review.attempt).joinedload(ExamAttempt.exam).joinedload(ProctoredExam.course),
        joinedload(Review.attempt).joinedload(ExamAttempt.user),
        joinedload(Review.reviewer),
    )
    page = paginate(query.order_by(Review.created.desc(), Review.id.desc()), filters.page, per_page)
    rows = [QueueRow(r, r.attempt, _standard(r.review_status)) for r in page.items]
    courses = [permissions.get_course(course_key)] if course_key else permissions.courses_for(actor)
    exams = list(
        db.session.scalars(
            _visible(select(ProctoredExam).join(Course), actor)
            .where(Course.key.in_([c.key for c in courses]))
            .order_by(Course.key, ProctoredExam.name)
        )
    )
    attention_query = _needs_attention(_base(actor))
    if course_key:
        attention_query = attention_query.where(Course.key == course_key)
    attention = db.session.scalar(select(func.count()).select_from(attention_query.subquery())) or 0
    return Queue(rows, page, filters, courses, exams, attention, weekly_outcomes(actor, course_key=course_key))


# The outcomes chart: provider review statuses in this order, with the badges' tones.
OUTCOME_TONES = (
    (ProviderReviewStatus.CLEAN, "good"),
    (ProviderReviewStatus.RULES_VIOLATION, "info"),
    (ProviderReviewStatus.SUSPICIOUS, "warn"),
    (ProviderReviewStatus.NOT_REVIEWED, "bad"),
)
WEEKS_SHOWN = 8


def weekly_outcomes(
    actor: User, *, course_key: str = "", weeks: int = WEEKS_SHOWN, now: datetime | None = None
) -> list[Column]:
    """Reviews received per week (weeks start on Monday, UTC), by provider status, for the last `weeks`
    weeks including the current one (empty weeks included): one grouped query by day and status."""
    today = (now or utcnow()).date()
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    day = func.date(Review.created)
    query = _base(actor).where(Review.created >= datetime.combine(first, time.min))
    if course_key:
        query = query.where(Course.key == course_key)
    sub = query.with_only_columns(day.label("day"), Review.review_status.label("status")).subquery()
    counts: dict[tuple[int, str], int] = {}
    for day_value, status, n in db.session.execute(
        select(sub.c.day, sub.c.status, func.count()).group_by(sub.c.day, sub.c.status)
    ):
        when = day_value if isinstance(day_value, date) else date.fromisoformat(str(day_value)[:10])
        week = (when - first).days // 7
        counts[week, status] = counts.get((week, status), 0) + n
    return [
        Column(
            format_date(first + timedelta(weeks=w), "dd MMM"),  # the reader's month names (a page shows it)
            tuple(
                Segment(gettext(status.value), counts.get((w, status.value), 0), tone) for status, tone in OUTCOME_TONES
            ),
        )
        for w in range(weeks)
    ]


def _standard(provider_status: str) -> str:
    try:
        return STANDARD_STATUS[ProviderReviewStatus(provider_status)].value
    except ValueError:
        return ""


@dataclass
class ReviewDetail:
    review: Review
    attempt: ExamAttempt
    exam: ProctoredExam
    course: Course
    standard_status: str
    credit_status: str | None
    history: list[ReviewHistory]
    notifications: list[SupportNotification]
    needs_attention: bool


def review_detail(actor: User, attempt_code: str) -> ReviewDetail:
    """One review with everything the review page shows; course staff of its course only."""
    from webapp.services.proctoring.reviews import attempt_of, get_review

    review = get_review(actor, attempt_code)
    attempt = attempt_of(review)
    history = list(
        db.session.scalars(
            select(ReviewHistory)
            .where(ReviewHistory.review_id == review.id)
            .options(joinedload(ReviewHistory.reviewer))
            .order_by(ReviewHistory.archived.desc(), ReviewHistory.id.desc())
        )
    )
    notes = list(
        db.session.scalars(
            select(SupportNotification)
            .where(SupportNotification.attempt_id == attempt.id)
            .order_by(SupportNotification.created)
        )
    )
    return ReviewDetail(
        review,
        attempt,
        attempt.exam,
        attempt.exam.course,
        _standard(review.review_status),
        credit_statuses([attempt]).get(attempt.id),
        history,
        notes,
        review.reviewer_id is None
        and review.review_status == ProviderReviewStatus.SUSPICIOUS
        and attempt.archived is None,
    )


@dataclass
class ExamSummary:
    exam: ProctoredExam
    total: int
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass
class AttemptRow:
    attempt: ExamAttempt
    credit_status: str | None
    review_status: str | None


@dataclass
class CourseAttempts:
    course: Course
    exams: list[ExamSummary]
    exam: ProctoredExam | None
    status: str
    page: Page
    rows: list[AttemptRow]
    queue: Queue


def course_attempts(
    actor: User,
    course_key: str,
    *,
    exam_id: int | None = None,
    status: str = "",
    page: int = 1,
    filters: QueueFilters | None = None,
    per_page: int = 50,
) -> CourseAttempts:
    """The course's proctoring tab: its exams with attempt counts per status, attempts filtered, the queue."""
    course = permissions.require_course(actor, course_key)
    exams = list(
        db.session.scalars(
            select(ProctoredExam).where(ProctoredExam.course_id == course.id).order_by(ProctoredExam.name)
        )
    )
    counts: dict[int, dict[str, int]] = {}
    for exam_id_, st, n in db.session.execute(
        select(ExamAttempt.exam_id, ExamAttempt.status, func.count())
        .join(ProctoredExam)
        .where(ProctoredExam.course_id == course.id, ExamAttempt.archived.is_(None))
        .group_by(ExamAttempt.exam_id, ExamAttempt.status)
    ):
        counts.setdefault(exam_id_, {})[st] = n
    summaries = [ExamSummary(e, sum(counts.get(e.id, {}).values()), counts.get(e.id, {})) for e in exams]
    exam = next((e for e in exams if e.id == exam_id), None)
    if status and status not in {s.value for s in AttemptStatus}:
        status = ""
    query = (
        select(ExamAttempt)
        .join(ProctoredExam)
        .join(User, User.id == ExamAttempt.user_id)
        .where(ProctoredExam.course_id == course.id, ExamAttempt.archived.is_(None))  # current attempts only
        .options(joinedload(ExamAttempt.exam), joinedload(ExamAttempt.user))
    )
    if exam:
        query = query.where(ExamAttempt.exam_id == exam.id)
    if status:
        query = query.where(ExamAttempt.status == status)
    attempts_page = paginate(query.order_by(ProctoredExam.name, func.lower(User.username)), page, per_page)
    credits = credit_statuses(attempts_page.items)
    reviews = (
        dict(
            db.session.execute(
                select(Review.attempt_id, Review.review_status).where(
                    Review.attempt_id.in_([a.id for a in attempts_page.items])
                )
            ).all()
        )
        if attempts_page.items
        else {}
    )
    rows = [AttemptRow(a, credits.get(a.id), reviews.get(a.id)) for a in attempts_page.items]
    queue = review_queue(actor, filters or QueueFilters(), course_key=course.key, per_page=per_page)
    return CourseAttempts(course, summaries, exam, status, attempts_page, rows, queue)


def attempts_json(actor: User | None, course_key: str) -> list[dict]:
    """Every current (not reset) attempt of a course as the CLI prints it (`proctoring attempts --json`)."""
    course = permissions.course_for(actor, course_key)
    attempts = list(
        db.session.scalars(
            select(ExamAttempt)
            .join(ProctoredExam)
            .join(User, User.id == ExamAttempt.user_id)
            .where(ProctoredExam.course_id == course.id, ExamAttempt.archived.is_(None))
            .options(joinedload(ExamAttempt.exam), joinedload(ExamAttempt.user))
            .order_by(ProctoredExam.content_id, func.lower(User.username))
        )
    )
    credits = credit_statuses(attempts)
    reviews: dict[int, str] = {}
    for batch in chunks([a.id for a in attempts]):
        for attempt_id, review_status in db.session.execute(
            select(Review.attempt_id, Review.review_status).where(Review.attempt_id.in_(batch))
        ):
            if attempt_id is not None:  # the IN filter excludes NULL; the column type does not say so
                reviews[attempt_id] = review_status
    return [
        {
            "attempt_code": a.attempt_code,
            "username": a.user.username,
            "content_id": a.exam.content_id,
            "status": a.status,
            "credit_status": credits.get(a.id),
            "review_status": reviews.get(a.id),
        }
        for a in attempts
    ]


REVIEW_STATUS_CHOICES = [(s.value, s.value) for s in ProviderReviewStatus]
DECISIONS = [s.value for s in ReviewStatus]
