"""Attempt rules (domain §2.2), in ONE place: `update_attempt_statuses` (and `update_attempt_status` for one).

Completed -> incomplete is refused, timed_out is aliased to submitted unless ALLOW_TIMED_OUT_STATE,
the credit requirement status follows the attempt, declining clears the attempt's external_id and
taking_as_proctored and cascades to the course's other exams. Support is notified of every Suspicious
provider review (`support_notification`, written by the review service).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select, tuple_

from webapp.extensions import db
from webapp.models.proctoring import (
    CREDIT_NAMESPACE,
    CreditRequirementStatus,
    ExamAttempt,
    ProctoredExam,
)
from webapp.services.batching import chunks
from webapp.services.errors import Conflict
from webapp.services.messages import N_, rule_message
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
        if attempt_code:
            raise IllegalTransition(
                rule_message(
                    "Cannot move attempt {attempt_code} from the completed status {before} back to the incomplete "
                    "status {after}.",
                    attempt_code=attempt_code,
                    before=from_status,
                    after=to_status,
                )
            )
        raise IllegalTransition(
            rule_message(
                "Cannot move an attempt from the completed status {before} back to the incomplete status {after}.",
                before=from_status,
                after=to_status,
            )
        )


# The same refusal as a plan row's message (without the final period).
N_("Cannot move attempt {attempt_code} from the completed status {before} back to the incomplete status {after}")


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
    return update_attempt_statuses([(attempt, to_status)], now=now, cascade=cascade)[0]


def update_attempt_statuses(
    moves: Sequence[tuple[ExamAttempt, str]],
    *,
    now: datetime | None = None,
    cascade: bool = True,
) -> list[AttemptChange]:
    """Move each attempt to its status with every rule that goes with it, reading and writing the credit
    requirement statuses in batches (one status per distinct attempt). The caller commits.

    Every transition is checked before anything moves: an illegal one refuses the whole call.
    """
    now = now or utcnow()
    targets = [stored_status(to_status) for _, to_status in moves]
    for (attempt, _), target in zip(moves, targets, strict=True):
        check_transition(attempt.status, target, attempt.attempt_code)
    credit_rows = _credit_rows([attempt for attempt, _ in moves])
    new_credits: dict[CreditKey, dict[str, Any]] = {}  # inserted together below
    changes = []
    for (attempt, _), target in zip(moves, targets, strict=True):
        from_status = AttemptStatus(attempt.status)
        key = _credit_key(attempt)
        credit_from = credit_rows[key].status if key in credit_rows else None
        if key in new_credits:
            credit_from = new_credits[key]["status"]
        attempt.status = target
        if target.is_completed and attempt.completed is None and target != AttemptStatus.DECLINED:
            attempt.completed = now
        if target == AttemptStatus.DECLINED:  # the platform clears both on a declined attempt
            attempt.external_id, attempt.taking_as_proctored = "", False
        credit_to = _set_credit(attempt, target, now, credit_rows, new_credits) or credit_from
        changes.append(AttemptChange(attempt.attempt_code, from_status.value, target.value, credit_from, credit_to))
    if new_credits:
        db.session.execute(CreditRequirementStatus.__table__.insert(), list(new_credits.values()))
    for (attempt, _), change in zip(moves, changes, strict=True):
        if cascade and change.to_status == AttemptStatus.DECLINED and change.from_status != change.to_status:
            change.cascaded = _cascade_decline(attempt, now)
    return changes


CreditKey = tuple[int, int, str]


def _credit_key(attempt: ExamAttempt) -> CreditKey:
    return (attempt.user_id, attempt.exam.course_id, attempt.exam.content_id)


def _credit_rows(attempts: Sequence[ExamAttempt]) -> dict[CreditKey, CreditRequirementStatus]:
    """The attempts' credit requirement status rows by (user, course, exam content_id), read in batches."""
    found: dict[CreditKey, CreditRequirementStatus] = {}
    for batch in chunks(sorted({_credit_key(a) for a in attempts})):
        query = select(CreditRequirementStatus).where(
            CreditRequirementStatus.namespace == CREDIT_NAMESPACE,
            tuple_(
                CreditRequirementStatus.user_id, CreditRequirementStatus.course_id, CreditRequirementStatus.name
            ).in_(batch),
        )
        found.update(((row.user_id, row.course_id, row.name), row) for row in db.session.scalars(query))
    return found


def _set_credit(
    attempt: ExamAttempt,
    status: AttemptStatus,
    now: datetime,
    rows: dict[CreditKey, CreditRequirementStatus],
    new: dict[CreditKey, dict[str, Any]],
) -> str | None:
    """Set the credit requirement status the attempt status gives: update a row read (`rows`), or add the
    values of a new one to `new` (the caller inserts them)."""
    credit = credit_for(status)
    if credit is None:
        return None
    key = _credit_key(attempt)
    row = rows.get(key)
    if row is not None:
        if row.status != credit:
            row.status, row.modified = credit, now
    elif key in new:
        new[key].update(status=credit, modified=now)
    else:
        new[key] = {
            "user_id": attempt.user_id,
            "course_id": key[1],
            "namespace": CREDIT_NAMESPACE,
            "name": key[2],
            "status": credit,
            "modified": now,
        }
    return credit


def support_notification(
    attempt: ExamAttempt, review_id: int, review_status: str, has_reviewer: bool, url: str, *, now: datetime
) -> dict[str, Any] | None:
    """Every Suspicious provider review raises a support notification linking to its review page: its column
    values (the review service inserts a batch's notifications together), or None for other statuses."""
    if review_status != ProviderReviewStatus.SUSPICIOUS:
        return None
    who = "a human reviewer" if has_reviewer else "no human reviewer"
    return {
        "attempt_id": attempt.id,
        "review_id": review_id,
        "review_status": review_status,
        "created": now,
        "url": url,
        "message": f"Attempt {attempt.attempt_code} ({attempt.user.username}, {attempt.exam.name}) was reviewed "
        f"{review_status} by the provider with {who}; review page: {url}",
    }


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
