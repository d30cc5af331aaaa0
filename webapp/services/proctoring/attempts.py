"""Attempt rules (domain §2.2), in ONE place: `update_attempt_status`.

Completed -> incomplete is refused, timed_out is aliased to submitted unless ALLOW_TIMED_OUT_STATE,
the credit requirement status follows the attempt, declining clears the attempt's external_id and
taking_as_proctored and cascades to the course's other exams. Support is notified of every Suspicious
provider review (`notify_support`, called by the review service).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select, tuple_

from webapp.extensions import db
from webapp.models.proctoring import (
    CREDIT_NAMESPACE,
    CreditRequirementStatus,
    ExamAttempt,
    ProctoredExam,
    Review,
    SupportNotification,
)
from webapp.services.batching import chunks
from webapp.services.errors import Conflict
from webapp.statuses import AttemptStatus, CreditStatus, ProviderReviewStatus
from webapp.timeutil import utcnow

CREDIT_FOR_ATTEMPT = {
    AttemptStatus.VERIFIED: CreditStatus.SATISFIED,
    AttemptStatus.SUBMITTED: CreditStatus.SUBMITTED,
    AttemptStatus.DECLINED: CreditStatus.DECLINED,
    AttemptStatus.REJECTED: CreditStatus.FAILED,
    AttemptStatus.ERROR: CreditStatus.FAILED,
}


class IllegalTransition(Conflict):
    """A completed attempt cannot go back to an incomplete status."""


@dataclass
class AttemptChange:
    """What one status update did: attempt status and credit status from -> to, notification, cascade."""

    attempt_code: str
    from_status: str
    to_status: str
    credit_from: str | None
    credit_to: str | None
    notified: bool = False
    cascaded: list[str] = field(default_factory=list)  # attempt codes declined by the cascade

    @property
    def changed(self) -> bool:
        return self.from_status != self.to_status


def new_attempt_code() -> str:
    """A fresh attempt code: an upper-case UUID, as the platform makes them."""
    return str(uuid.uuid4()).upper()


def stored_status(status: str) -> AttemptStatus:
    """The status as it will be stored: timed_out becomes submitted unless ALLOW_TIMED_OUT_STATE."""
    status = AttemptStatus(status)
    if status == AttemptStatus.TIMED_OUT and not current_app.config.get("ALLOW_TIMED_OUT_STATE", False):
        return AttemptStatus.SUBMITTED
    return status


def status_for_review(provider_status: str, has_reviewer: bool) -> AttemptStatus:
    """The attempt status the review table (domain §2.1) gives for a provider status."""
    provider_status = ProviderReviewStatus(provider_status)
    if provider_status in (ProviderReviewStatus.CLEAN, ProviderReviewStatus.RULES_VIOLATION):
        return AttemptStatus.VERIFIED
    if provider_status == ProviderReviewStatus.SUSPICIOUS:
        return AttemptStatus.REJECTED if has_reviewer else AttemptStatus.SECOND_REVIEW_REQUIRED
    return AttemptStatus.ERROR


def check_transition(from_status: str, to_status: str, attempt_code: str = "") -> None:
    """Refuse completed -> incomplete, naming both statuses."""
    if AttemptStatus(from_status).is_completed and AttemptStatus(to_status).is_incomplete:
        which = f"attempt {attempt_code}" if attempt_code else "an attempt"
        raise IllegalTransition(
            f"Cannot move {which} from the completed status {from_status} back to the incomplete status {to_status}."
        )


def credit_for(status: str) -> str | None:
    """The credit requirement status an attempt status sets, or None when it sets none."""
    credit = CREDIT_FOR_ATTEMPT.get(AttemptStatus(status))
    return credit.value if credit else None


def credit_statuses(attempts: Sequence[ExamAttempt]) -> dict[int, str]:
    """attempt id -> its credit requirement status, read in batches."""
    keys = {(a.user_id, a.exam.course_id, a.exam.content_id): a.id for a in attempts}
    found: dict[int, str] = {}
    for batch in chunks(list(keys)):
        query = select(CreditRequirementStatus).where(
            CreditRequirementStatus.namespace == CREDIT_NAMESPACE,
            tuple_(
                CreditRequirementStatus.user_id, CreditRequirementStatus.course_id, CreditRequirementStatus.name
            ).in_(batch),
        )
        for row in db.session.scalars(query):
            found[keys[(row.user_id, row.course_id, row.name)]] = row.status
    return found


def update_attempt_status(
    attempt: ExamAttempt,
    to_status: str,
    *,
    now: datetime | None = None,
    cascade: bool = True,
) -> AttemptChange:
    """Move an attempt to a status with every rule that goes with it. The caller commits."""
    now = now or utcnow()
    target = stored_status(to_status)
    from_status = AttemptStatus(attempt.status)
    check_transition(from_status, target, attempt.attempt_code)
    credit_from = credit_statuses([attempt]).get(attempt.id)
    attempt.status = target
    if target.is_completed and attempt.completed is None and target != AttemptStatus.DECLINED:
        attempt.completed = now
    if target == AttemptStatus.DECLINED:  # the platform clears both on a declined attempt
        attempt.external_id, attempt.taking_as_proctored = "", False
    credit_to = _set_credit(attempt, target, now) or credit_from
    change = AttemptChange(attempt.attempt_code, from_status.value, target.value, credit_from, credit_to)
    if cascade and target == AttemptStatus.DECLINED and from_status != target:
        change.cascaded = _cascade_decline(attempt, now)
    return change


def _set_credit(attempt: ExamAttempt, status: AttemptStatus, now: datetime) -> str | None:
    credit = credit_for(status)
    if credit is None:
        return None
    exam = attempt.exam
    row = db.session.scalar(
        select(CreditRequirementStatus).where(
            CreditRequirementStatus.user_id == attempt.user_id,
            CreditRequirementStatus.course_id == exam.course_id,
            CreditRequirementStatus.namespace == CREDIT_NAMESPACE,
            CreditRequirementStatus.name == exam.content_id,
        )
    )
    if row is None:
        db.session.add(
            CreditRequirementStatus(
                user_id=attempt.user_id,
                course_id=exam.course_id,
                namespace=CREDIT_NAMESPACE,
                name=exam.content_id,
                status=credit,
                modified=now,
            )
        )
    elif row.status != credit:
        row.status, row.modified = credit, now
    return credit


def notify_support(attempt: ExamAttempt, review: Review, url: str, *, now: datetime) -> bool:
    """Every Suspicious provider review raises a support notification linking to its review page."""
    if review.review_status != ProviderReviewStatus.SUSPICIOUS:
        return False
    who = "a human reviewer" if review.reviewer_id is not None else "no human reviewer"
    db.session.add(
        SupportNotification(
            attempt_id=attempt.id,
            review_id=review.id,
            review_status=review.review_status,
            created=now,
            url=url,
            message=f"Attempt {attempt.attempt_code} ({attempt.user.username}, {attempt.exam.name}) was reviewed "
            f"{review.review_status} by the provider with {who}; review page: {url}",
        )
    )
    return True


def _cascade_decline(attempt: ExamAttempt, now: datetime) -> list[str]:
    """Decline every other active, proctored, non-practice exam of the course not completed yet."""
    exams = list(
        db.session.scalars(
            select(ProctoredExam)
            .where(
                ProctoredExam.course_id == attempt.exam.course_id,
                ProctoredExam.id != attempt.exam_id,
                ProctoredExam.is_active.is_(True),
                ProctoredExam.is_proctored.is_(True),
                ProctoredExam.is_practice.is_(False),
            )
            .order_by(ProctoredExam.id)
        )
    )
    existing = {a.exam_id: a for a in _attempts_of(attempt.user_id, [e.id for e in exams])}
    declined = []
    for exam in exams:
        other = existing.get(exam.id)
        if other is None:
            other = ExamAttempt(
                exam=exam,
                user_id=attempt.user_id,
                status=AttemptStatus.CREATED,
                attempt_code=new_attempt_code(),
                taking_as_proctored=False,
                created=now,
            )
            db.session.add(other)
            db.session.flush()
        elif AttemptStatus(other.status).is_completed:
            continue
        update_attempt_status(other, AttemptStatus.DECLINED, now=now, cascade=False)
        declined.append(other.attempt_code)
    return declined


def _attempts_of(user_id: int, exam_ids: Iterable[int]) -> list[ExamAttempt]:
    result: list[ExamAttempt] = []
    for batch in chunks(list(exam_ids)):
        result += db.session.scalars(
            select(ExamAttempt).where(
                ExamAttempt.user_id == user_id, ExamAttempt.exam_id.in_(batch), ExamAttempt.archived.is_(None)
            )
        )
    return result
