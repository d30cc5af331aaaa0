"""Storing provider reviews (callback, replay) and staff second reviews, with history and audit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import User
from webapp.models.proctoring import ExamAttempt, ProctoredExam, Review, ReviewComment, ReviewHistory
from webapp.services import audit, permissions
from webapp.services.batching import chunks
from webapp.services.errors import Conflict, NotFound, ServiceError
from webapp.services.proctoring import signing
from webapp.services.proctoring.attempts import (
    AttemptChange,
    credit_for,
    credit_statuses,
    notify_support,
    status_for_review,
    update_attempt_status,
)
from webapp.services.proctoring.payload import PROVIDER_STATUS, STANDARD_STATUS, ReviewPayload, parse_body
from webapp.statuses import AttemptStatus, CreditStatus, ProviderReviewStatus, ReviewStatus, label_of
from webapp.timeutil import utcnow

log = logging.getLogger(__name__)
PROVIDER_NAME = "proctoring provider"


class LocatorMismatch(ServiceError):
    """examMetaData.ssiRecordLocator is not the attempt's external_id: a suspicious lookup."""

    status = 400


@dataclass
class ReviewResult:
    """What storing one review did."""

    attempt_code: str
    review_status: str  # the provider's string, as stored
    standard_status: str
    attempt_status: str
    previous_attempt_status: str
    credit_status: str | None
    action: str  # created | updated | unchanged
    notified: bool = False
    archived: bool = False  # the attempt was reset: the review is kept with it, no status moved
    message: str = ""

    def as_json(self) -> dict:
        data = {
            "attempt_code": self.attempt_code,
            "review_status": self.review_status,
            "standard_status": self.standard_status,
            "attempt_status": self.attempt_status,
            "previous_attempt_status": self.previous_attempt_status,
            "credit_status": self.credit_status,
            "action": self.action,
            "archived": self.archived,
        }
        if self.message:
            data["message"] = self.message
        return data


# ---------------------------------------------------------------------------------------- lookups


def find_attempts(codes: list[str]) -> dict[str, ExamAttempt]:
    """Attempts by attempt code (as given or upper-cased), keyed by the upper-cased code."""
    wanted = sorted({c for code in codes for c in (code, code.upper())})
    found: dict[str, ExamAttempt] = {}
    for batch in chunks(wanted):
        query = (
            select(ExamAttempt)
            .where(ExamAttempt.attempt_code.in_(batch))
            .options(joinedload(ExamAttempt.user), joinedload(ExamAttempt.exam).joinedload(ProctoredExam.course))
        )
        for attempt in db.session.scalars(query):
            found[attempt.attempt_code.upper()] = attempt
    return found


def find_attempt(code: str) -> ExamAttempt:
    attempt = find_attempts([code]).get(code.upper())
    if attempt is None:
        raise NotFound(f"There is no exam attempt with attempt code {code} (field examMetaData.examCode).")
    return attempt


def check_locator(attempt: ExamAttempt, locator: str) -> None:
    """The record locator must be the attempt's external_id (compared case-insensitively)."""
    if (attempt.external_id or "").strip().lower() != locator.strip().lower():
        raise LocatorMismatch(
            f"Field examMetaData.ssiRecordLocator {locator!r} does not match the record of "
            f"attempt {attempt.attempt_code}: refused as a suspicious lookup."
        )


def find_reviewer(email: str) -> User | None:
    if not email:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def same_review(review: Review, payload: ReviewPayload, reviewer: User | None) -> bool:
    """True when storing the payload would change nothing (an identical replay)."""
    return (
        review.review_status == payload.provider_status.value
        and review.raw_data == payload.stored_raw
        and review.reviewer_id == (reviewer.id if reviewer else None)
    )


# ---------------------------------------------------------------------------------------- storing


def receive_callback(body: bytes, timestamp: str | None, signature: str | None) -> ReviewResult:
    """The webhook: verify the signature, validate the payload, store the review, move the attempt."""
    config = current_app.config
    signing.verify(
        body,
        timestamp,
        signature,
        secret=config.get("PROCTORING_WEBHOOK_SECRET", ""),
        max_skew=int(config.get("PROCTORING_MAX_SKEW_SECONDS", 300)),
    )
    signed_at = datetime.fromtimestamp(int(str(timestamp).strip()), UTC).replace(tzinfo=None)
    payload = parse_body(body)
    for retry in (False, True):
        try:
            result = store_review(payload, actor=None, signed_at=signed_at)
            db.session.commit()
            return result
        except IntegrityError:
            db.session.rollback()  # another worker stored the same attempt's review meanwhile
            if retry:
                raise Conflict(
                    f"The review of attempt {payload.attempt_code} was written concurrently; send it again."
                ) from None
        except Exception:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def replacement_refusal(review: Review, signed_at: datetime | None) -> tuple[str, str] | None:
    """Why a provider payload may not replace the stored review (code, message), or None (domain §2.1 Ordering).

    A review a staff member decided (second review) is never replaced by the provider; a callback signed
    before the stored review's callback is out of order; else updates need ALLOW_REVIEW_UPDATES.
    """
    code = review.attempt_code
    if review.decided_at is not None:
        who = review.reviewer.username if review.reviewer else "a staff member"
        return (
            "staff_decided",
            f"The review of attempt {code} was decided by {who} (second review on "
            f"{review.decided_at:%Y-%m-%d %H:%M} UTC); a provider review never replaces a staff decision.",
        )
    if signed_at is not None and review.signed_at is not None and signed_at < review.signed_at:
        return (
            "out_of_order",
            f"Callback out of order: it was signed at {signed_at:%Y-%m-%d %H:%M:%S} UTC, before the stored "
            f"review of attempt {code} ({review.signed_at:%Y-%m-%d %H:%M:%S} UTC), which it never replaces.",
        )
    if not current_app.config.get("ALLOW_REVIEW_UPDATES", False):
        return (
            "review_exists",
            f"Attempt {code} already has a review ({review.review_status}) and updates are not allowed "
            "(ALLOW_REVIEW_UPDATES is off).",
        )
    return None


def review_path(attempt_code: str) -> str:
    """The URL (a path) of an attempt's review page, built without a request (CLI, replay, webhook)."""
    return f"/proctoring/reviews/{quote(attempt_code, safe='')}"


def store_review(
    payload: ReviewPayload,
    *,
    actor: User | None,
    now: datetime | None = None,
    source: str = "callback",
    signed_at: datetime | None = None,
) -> ReviewResult:
    """Create or update the attempt's review from a provider payload; the caller commits.

    `signed_at` is the callback's signed timestamp (None for a replay, which keeps the stored one). A
    review of an archived (reset) attempt is stored on it but moves no status.
    """
    now = now or utcnow()
    attempt = find_attempt(payload.attempt_code)
    check_locator(attempt, payload.record_locator)
    reviewer = find_reviewer(payload.reviewed_by)
    _warn_about_reviewer(payload, reviewer, attempt)
    review = db.session.scalar(select(Review).where(Review.attempt_code == attempt.attempt_code).with_for_update())
    previous = attempt.status
    if review is not None and same_review(review, payload, reviewer):
        return _result(review, attempt, previous, "unchanged")
    if review is not None:
        refusal = replacement_refusal(review, signed_at)
        if refusal is not None:
            raise Conflict(refusal[1])
    action = "updated" if review is not None else "created"
    if review is None:
        review = Review(attempt_code=attempt.attempt_code, attempt_id=attempt.id, created=now)
        db.session.add(review)
    else:
        archive(review, now)
    _write_review(review, payload, reviewer, signed_at=signed_at, now=now)
    if attempt.archived is not None:  # stored on the reset attempt; changes nothing, notifies no one
        change = AttemptChange(attempt.attempt_code, previous, previous, None, None)
    else:
        change = update_attempt_status(attempt, status_for_review(review.review_status, reviewer is not None), now=now)
        change.notified = notify_support(attempt, review, review_path(attempt.attempt_code), now=now)
    _audit_review(actor, review, attempt, change, action=action, source=source)
    return _result(review, attempt, previous, action, credit=change.credit_to, notified=change.notified)


def _warn_about_reviewer(payload: ReviewPayload, reviewer: User | None, attempt: ExamAttempt) -> None:
    """A named reviewer who is unknown or not staff of the course is logged, not refused (domain §2.1)."""
    course = attempt.exam.course
    if payload.reviewed_by and reviewer is None:
        log.warning(
            "Review of attempt %s names reviewer %s, who is not a known user; stored without reviewer",
            attempt.attempt_code,
            payload.reviewed_by,
        )
    elif reviewer is not None and not permissions.is_course_staff(reviewer, course):
        log.warning(
            "Review of attempt %s names reviewer %s, who is not staff of %s",
            attempt.attempt_code,
            reviewer.username,
            course.key,
        )


def _write_review(
    review: Review, payload: ReviewPayload, reviewer: User | None, *, signed_at: datetime | None, now: datetime
) -> None:
    """The payload's values on the review: status, redacted raw body, reviewer, timestamps, comments."""
    review.review_status = payload.provider_status.value
    review.raw_data = payload.stored_raw
    review.reviewer_id = reviewer.id if reviewer else None
    review.reviewer = reviewer
    review.signed_at = signed_at or review.signed_at
    review.modified = now
    review.comments = [
        ReviewComment(
            position=i,
            source=c.source,
            start=c.start,
            stop=c.stop,
            duration=c.duration,
            comment=c.comment,
            status=c.status,
        )
        for i, c in enumerate(payload.comments)
    ]
    db.session.flush()


def _audit_review(
    actor: User | None, review: Review, attempt: ExamAttempt, change: AttemptChange, *, action: str, source: str
) -> None:
    archived = attempt.archived is not None
    moved = (
        "attempt archived (reset), no status changed"
        if archived
        else (f"attempt {label_of(change.from_status, AttemptStatus)} → {label_of(change.to_status, AttemptStatus)}")
    )
    audit.record(
        "proctoring.review",
        actor,
        actor_name=PROVIDER_NAME,
        course_key=attempt.exam.course.key,
        summary=f"Review {review.review_status} {action} for attempt {attempt.attempt_code} "
        f"({attempt.user.username}) by {source}: {moved}",
        detail={
            "attempt_code": attempt.attempt_code,
            "review_status": review.review_status,
            "source": source,
            "attempt_from": change.from_status,
            "attempt_to": change.to_status,
            "credit_to": change.credit_to,
            "notified": change.notified,
            "archived": archived,
        },
    )


def archive(review: Review, now: datetime) -> ReviewHistory:
    """Keep the current version of a review in the history table before it changes."""
    row = ReviewHistory(
        review_id=review.id,
        attempt_code=review.attempt_code,
        review_status=review.review_status,
        raw_data=review.raw_data,
        signed_at=review.signed_at,
        decided_at=review.decided_at,
        reviewer_id=review.reviewer_id,
        staff_note=review.staff_note,
        created=review.created,
        modified=review.modified,
        archived=now,
    )
    db.session.add(row)
    return row


def _result(
    review: Review,
    attempt: ExamAttempt,
    previous: str,
    action: str,
    *,
    credit: str | None = None,
    notified: bool = False,
) -> ReviewResult:
    archived = attempt.archived is not None
    if archived:
        credit = None  # the reset removed it; a status of a later attempt is not this attempt's
    elif credit is None:
        credit = credit_statuses([attempt]).get(attempt.id)
    return ReviewResult(
        attempt_code=attempt.attempt_code,
        review_status=review.review_status,
        standard_status=STANDARD_STATUS[ProviderReviewStatus(review.review_status)].value,
        attempt_status=attempt.status,
        previous_attempt_status=previous,
        credit_status=credit,
        action=action,
        notified=notified,
        archived=archived,
        message=(
            f"Attempt {attempt.attempt_code} was reset (archived {attempt.archived:%Y-%m-%d %H:%M} UTC): the review "
            "is stored with it but changes no status."
            if archived
            else ""
        ),
    )


# ---------------------------------------------------------------------------------------- second review


def get_review(actor: User, attempt_code: str) -> Review:
    """The review of an attempt, if the actor is staff of its course."""
    review = db.session.scalar(select(Review).where(Review.attempt_code == attempt_code))
    if review is None or review.attempt is None:
        raise NotFound(f"There is no review for attempt {attempt_code}.")
    permissions.require_course(actor, review.attempt.exam.course.key)
    return review


def attempt_of(review: Review) -> ExamAttempt:
    """The attempt a review belongs to (`get_review` finds no review without one)."""
    if review.attempt is None:
        raise NotFound(f"There is no review for attempt {review.attempt_code}.")
    return review.attempt


def decision_effect(decision: str) -> str:
    """What a second-review decision does to the attempt and its credit status, shown next to the choice:
    "Attempt becomes Rejected; credit status becomes Failed"."""
    target = status_for_review(PROVIDER_STATUS[ReviewStatus(decision)], True)
    credit = credit_for(target)
    effect = f"credit status becomes {label_of(credit, CreditStatus)}" if credit else "credit status unchanged"
    return f"Attempt becomes {label_of(target, AttemptStatus)}; {effect}"
