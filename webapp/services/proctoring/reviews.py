"""Storing provider reviews (callback, replay) and staff second reviews, with history and audit."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from webapp.extensions import db
from webapp.models import User
from webapp.models.proctoring import (
    ExamAttempt,
    ProctoredExam,
    Review,
    ReviewComment,
    ReviewHistory,
    SupportNotification,
)
from webapp.services import audit, permissions
from webapp.services.batching import chunks
from webapp.services.errors import Conflict, NotFound, ServiceError
from webapp.services.messages import rule_message
from webapp.services.proctoring import signing
from webapp.services.proctoring.attempts import (
    AttemptChange,
    credit_for,
    credit_statuses,
    status_for_review,
    support_notification,
    update_attempt_statuses,
)
from webapp.services.proctoring.payload import PROVIDER_STATUS, STANDARD_STATUS, CommentIn, ReviewPayload, parse_body
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
        decided = f"{review.decided_at:%Y-%m-%d %H:%M}"
        if review.reviewer is None:
            return "staff_decided", rule_message(
                "The review of attempt {code} was decided by a staff member (second review on {when} UTC); "
                "a provider review never replaces a staff decision.",
                code=code,
                when=decided,
            )
        return "staff_decided", rule_message(
            "The review of attempt {code} was decided by {who} (second review on {when} UTC); a provider review "
            "never replaces a staff decision.",
            code=code,
            who=review.reviewer.username,
            when=decided,
        )
    if signed_at is not None and review.signed_at is not None and signed_at < review.signed_at:
        return "out_of_order", rule_message(
            "Callback out of order: it was signed at {signed} UTC, before the stored review of attempt {code} "
            "({stored} UTC), which it never replaces.",
            signed=f"{signed_at:%Y-%m-%d %H:%M:%S}",
            code=code,
            stored=f"{review.signed_at:%Y-%m-%d %H:%M:%S}",
        )
    if not current_app.config.get("ALLOW_REVIEW_UPDATES", False):
        return "review_exists", rule_message(
            "Attempt {code} already has a review ({status}) and updates are not allowed (ALLOW_REVIEW_UPDATES is off).",
            code=code,
            status=review.review_status,
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
    return store_reviews([payload], actor=actor, now=now, source=source, signed_at=signed_at)[0]


def store_reviews(
    payloads: Sequence[ReviewPayload],
    *,
    actor: User | None,
    now: datetime | None = None,
    source: str = "callback",
    signed_at: datetime | None = None,
) -> list[ReviewResult]:
    """`store_review` for payloads of distinct attempts at once: the same rules, read and written in batches
    (a few statements per batch, none per payload). The first payload that is refused (unknown attempt,
    locator mismatch, a stored review it may not replace, an illegal move) refuses them all; the caller
    (the plan engine) then stores them one by one so that one refusal fails alone. The caller commits.
    """
    now = now or utcnow()
    attempts = find_attempts([p.attempt_code for p in payloads])
    found: list[ExamAttempt] = []
    for payload in payloads:
        attempt = attempts.get(payload.attempt_code.upper())
        if attempt is None:
            raise NotFound(
                f"There is no exam attempt with attempt code {payload.attempt_code} (field examMetaData.examCode)."
            )
        check_locator(attempt, payload.record_locator)
        found.append(attempt)
    if len({a.id for a in found}) != len(found):
        raise ServiceError("Two payloads of one batch name the same attempt; they are stored one at a time.")
    reviewers = find_reviewers([p.reviewed_by for p in payloads])
    reviews = _reviews_for_update([a.attempt_code for a in found])
    results: list[ReviewResult | None] = [None] * len(found)
    staff_of: dict[tuple[int, int], bool] = {}  # (reviewer, course) -> staff of it: asked once per pair
    work: list[_Stored] = []
    created: list[_Stored] = []
    unchanged: list[tuple[int, ExamAttempt, Review]] = []
    for index, (payload, attempt) in enumerate(zip(payloads, found, strict=True)):
        reviewer = reviewers.get(payload.reviewed_by.strip().lower()) if payload.reviewed_by else None
        _warn_about_reviewer(payload, reviewer, attempt, staff_of)
        review = reviews.get(attempt.attempt_code)
        if review is not None and same_review(review, payload, reviewer):
            unchanged.append((index, attempt, review))
            continue
        if review is None:  # written below with the batch's other new reviews, in a few multi-row inserts
            stored = _Stored(index, attempt, reviewer, payload, "created")
            created.append(stored)
        else:
            refusal = replacement_refusal(review, signed_at)
            if refusal is not None:
                raise Conflict(refusal[1])
            archive(review, now)
            _write_review(review, payload, reviewer, signed_at=signed_at, now=now)
            stored = _Stored(index, attempt, reviewer, payload, "updated", review.id)
        work.append(stored)
    db.session.flush()  # the updated reviews and their history
    _insert_reviews(created, signed_at=signed_at, now=now)
    moving = [w for w in work if w.attempt.archived is None]
    moves = [(w.attempt, status_for_review(w.payload.provider_status, w.reviewer is not None)) for w in moving]
    changes = {w.attempt.id: c for w, c in zip(moving, update_attempt_statuses(moves, now=now), strict=True)}
    notifications: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for w in work:
        status = w.payload.provider_status.value
        change = changes.get(w.attempt.id)
        if change is None:  # stored on the reset attempt; changes nothing, notifies no one
            change = AttemptChange(w.attempt.attempt_code, w.attempt.status, w.attempt.status, None, None)
        else:
            note = support_notification(
                w.attempt, w.review_id, status, w.reviewer is not None, review_path(w.attempt.attempt_code), now=now
            )
            if note is not None:
                notifications.append(note)
                change.notified = True
        events.append(_audit_review(actor, status, w.attempt, change, action=w.action, source=source))
        results[w.index] = _result(
            status, w.attempt, change.from_status, w.action, change.credit_to, notified=change.notified
        )
    if notifications:
        db.session.execute(SupportNotification.__table__.insert(), notifications)
    audit.record_all(events)
    credits = credit_statuses([attempt for _, attempt, _ in unchanged])
    for index, attempt, review in unchanged:
        results[index] = _result(review.review_status, attempt, attempt.status, "unchanged", credits.get(attempt.id))
    db.session.flush()
    return [r for r in results if r is not None]


@dataclass(slots=True)
class _Stored:
    """One payload of a batch being stored: where it is in the batch, its attempt, reviewer and review id."""

    index: int
    attempt: ExamAttempt
    reviewer: User | None
    payload: ReviewPayload
    action: str  # created | updated
    review_id: int = 0


def _insert_reviews(created: Sequence[_Stored], *, signed_at: datetime | None, now: datetime) -> None:
    """The batch's new reviews in one executemany (their ids read back by attempt code), then all their comments."""
    if not created:
        return
    db.session.execute(
        Review.__table__.insert(),
        [
            {
                "attempt_code": w.attempt.attempt_code,
                "attempt_id": w.attempt.id,
                "review_status": w.payload.provider_status.value,
                "raw_data": w.payload.stored_raw,
                "reviewer_id": w.reviewer.id if w.reviewer else None,
                "staff_note": "",
                "signed_at": signed_at,
                "decided_at": None,
                "created": now,
                "modified": now,
            }
            for w in created
        ],
    )
    ids: dict[str, int] = {}  # attempt codes are unique: the new reviews' ids, read back in batches
    for batch in chunks([w.attempt.attempt_code for w in created]):
        query = select(Review.attempt_code, Review.id).where(Review.attempt_code.in_(batch))
        ids.update((code, review_id) for code, review_id in db.session.execute(query))
    for w in created:
        w.review_id = ids[w.attempt.attempt_code]
    comments = [
        {"review_id": w.review_id, **_comment_values(i, c)} for w in created for i, c in enumerate(w.payload.comments)
    ]
    if comments:
        db.session.execute(ReviewComment.__table__.insert(), comments)


def _comment_values(position: int, c: CommentIn) -> dict[str, Any]:
    return {
        "position": position,
        "source": c.source,
        "start": c.start,
        "stop": c.stop,
        "duration": c.duration,
        "comment": c.comment,
        "status": c.status,
    }


def find_reviewers(emails: Sequence[str]) -> dict[str, User]:
    """Users by lower-cased email, for the given emails (blank ones ignored), read in batches."""
    wanted = sorted({e.strip().lower() for e in emails if e and e.strip()})
    found: dict[str, User] = {}
    for batch in chunks(wanted):
        found.update(
            (u.email.lower(), u) for u in db.session.scalars(select(User).where(func.lower(User.email).in_(batch)))
        )
    return found


def _reviews_for_update(codes: Sequence[str]) -> dict[str, Review]:
    """The stored reviews of these attempt codes, locked for the transaction, with their comments."""
    found: dict[str, Review] = {}
    for batch in chunks(sorted(set(codes))):
        query = select(Review).where(Review.attempt_code.in_(batch)).options(selectinload(Review.comments))
        found.update((r.attempt_code, r) for r in db.session.scalars(query.with_for_update()))
    return found


def _warn_about_reviewer(
    payload: ReviewPayload, reviewer: User | None, attempt: ExamAttempt, staff_of: dict[tuple[int, int], bool]
) -> None:
    """A named reviewer who is unknown or not staff of the course is logged, not refused (domain §2.1)."""
    course = attempt.exam.course
    if payload.reviewed_by and reviewer is None:
        log.warning(
            "Review of attempt %s names reviewer %s, who is not a known user; stored without reviewer",
            attempt.attempt_code,
            payload.reviewed_by,
        )
        return
    if reviewer is None:
        return
    pair = (reviewer.id, course.id)
    if pair not in staff_of:
        staff_of[pair] = permissions.is_course_staff(reviewer, course)
    if not staff_of[pair]:
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
    review.comments = [ReviewComment(**_comment_values(i, c)) for i, c in enumerate(payload.comments)]


def _audit_review(
    actor: User | None, review_status: str, attempt: ExamAttempt, change: AttemptChange, *, action: str, source: str
) -> dict[str, Any]:
    """The audit event of a stored review (its column values: the batch inserts them together)."""
    archived = attempt.archived is not None
    moved = (
        "attempt archived (reset), no status changed"
        if archived
        else (f"attempt {label_of(change.from_status, AttemptStatus)} → {label_of(change.to_status, AttemptStatus)}")
    )
    return audit.event_values(
        "proctoring.review",
        actor,
        actor_name=PROVIDER_NAME,
        course_key=attempt.exam.course.key,
        summary=f"Review {review_status} {action} for attempt {attempt.attempt_code} "
        f"({attempt.user.username}) by {source}: {moved}",
        detail={
            "attempt_code": attempt.attempt_code,
            "review_status": review_status,
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
    review_status: str,
    attempt: ExamAttempt,
    previous: str,
    action: str,
    credit: str | None,
    *,
    notified: bool = False,
) -> ReviewResult:
    """What storing did (`credit`: the attempt's credit requirement status now, as the caller read it)."""
    archived = attempt.archived is not None
    if archived:
        credit = None  # the reset removed it; a status of a later attempt is not this attempt's
    return ReviewResult(
        attempt_code=attempt.attempt_code,
        review_status=review_status,
        standard_status=STANDARD_STATUS[ProviderReviewStatus(review_status)].value,
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
        raise NotFound(rule_message("There is no review for attempt {attempt_code}.", attempt_code=attempt_code))
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
    attempt = label_of(target, AttemptStatus)
    if credit:
        return rule_message(
            "Attempt becomes {attempt}; credit status becomes {credit}",
            attempt=attempt,
            credit=label_of(credit, CreditStatus),
        )
    return rule_message("Attempt becomes {attempt}; credit status unchanged", attempt=attempt)
