"""A staff second review (domain §2.3) as a one-row plan (`proctoring_second_review`) run through
`plans.run_single`: the row is the attempt, before = its review, attempt and credit status, after = the
decision's, with the credit change as a side effect. It is "done" only when written.

The rules stay those of the review table: the staff member becomes the reviewer, the attempt moves as the
table says (a completed attempt never goes back to an incomplete status), a staff decision is never replaced
by a provider callback (`decided_at`), an archived (reset) attempt is read-only, and each decision is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import PlanRow, User
from webapp.models.proctoring import ExamAttempt, Review
from webapp.services import audit, plans
from webapp.services.batching import chunks
from webapp.services.csvio import unstorable_text
from webapp.services.errors import Conflict, NotFound, ServiceError
from webapp.services.messages import N_, rule_message
from webapp.services.plans import Decision, Effect, Item, PlanContext, PlanKind
from webapp.services.proctoring.attempts import (
    IllegalTransition,
    check_transition,
    credit_for,
    credit_statuses,
    status_for_review,
    stored_status,
    update_attempt_status,
)
from webapp.services.proctoring.payload import PROVIDER_STATUS
from webapp.services.proctoring.reviews import ReviewResult, _result, archive, get_review
from webapp.statuses import Action, AttemptStatus, EffectKind, ReviewStatus, label_of

KIND = "proctoring_second_review"
COLUMNS = ("attempt_code", "decision", "note")


@dataclass(frozen=True, slots=True)
class SecondReviewEntry:
    """The typed payload of a second-review row: which attempt, the staff decision and their note."""

    attempt_code: str
    decision: str
    note: str = ""

    def to_data(self) -> dict[str, Any]:
        return {"attempt_code": self.attempt_code, "decision": self.decision, "note": self.note}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SecondReviewEntry:
        return cls(str(data.get("attempt_code", "")), str(data.get("decision", "")), str(data.get("note", "")))


def _label(status: str | None) -> str:
    return (status or "none").replace("_", " ")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a decision does to one attempt (the plan row's before → after, and its side effects)."""

    provider_status: str
    attempt_from: str
    attempt_to: str
    credit_from: str | None
    credit_to: str | None

    def effects(self) -> list[Effect]:
        if self.credit_to == self.credit_from:
            return []
        return [
            Effect(
                EffectKind.CREDIT_STATUS,
                rule_message("credit requirement becomes {credit}", credit=_label(self.credit_to)),
            )
        ]

    def _values(self) -> dict[str, str]:
        return {"attempt": _label(self.attempt_to), "credit": _label(self.credit_to)}

    def sentence(self) -> str:
        """The consequence in words, e.g. "The attempt becomes rejected; the credit requirement becomes failed"."""
        moves = (self.attempt_to != self.attempt_from, self.credit_to != self.credit_from)
        return rule_message(SENTENCES[moves], **self._values())

    def message(self, decision: str) -> str:
        """The plan row's message: "second review suspicious: " and the sentence."""
        moves = (self.attempt_to != self.attempt_from, self.credit_to != self.credit_from)
        return rule_message(ROW_MESSAGES[moves], decision=decision, **self._values())


# (the attempt moves, the credit requirement moves) -> the consequence in words; whole sentences, so that each
# language orders them as it needs.
SENTENCES = {
    (True, True): N_("The attempt becomes {attempt}; the credit requirement becomes {credit}"),
    (True, False): N_("The attempt becomes {attempt}; the credit requirement stays {credit}"),
    (False, True): N_("The attempt stays {attempt}; the credit requirement becomes {credit}"),
    (False, False): N_("The attempt stays {attempt}; the credit requirement stays {credit}"),
}
ROW_MESSAGES = {
    (True, True): N_(
        "second review {decision}: The attempt becomes {attempt}; the credit requirement becomes {credit}"
    ),
    (True, False): N_("second review {decision}: The attempt becomes {attempt}; the credit requirement stays {credit}"),
    (False, True): N_("second review {decision}: The attempt stays {attempt}; the credit requirement becomes {credit}"),
    (False, False): N_("second review {decision}: The attempt stays {attempt}; the credit requirement stays {credit}"),
}


def outcome_of(attempt: ExamAttempt, credit: str | None, standard: ReviewStatus) -> Outcome:
    provider = PROVIDER_STATUS[standard].value
    target = stored_status(status_for_review(provider, True))
    return Outcome(provider, attempt.status, target.value, credit, credit_for(target) or credit)


def _reviews(codes: Sequence[str], course_id: int) -> dict[str, tuple[Review, ExamAttempt]]:
    """Reviews of these attempt codes in the course, with their attempts (batched IN reads)."""
    found: dict[str, tuple[Review, ExamAttempt]] = {}
    for batch in chunks(sorted(set(codes))):
        query = (
            select(Review)
            .join(ExamAttempt, Review.attempt_id == ExamAttempt.id)
            .where(Review.attempt_code.in_(batch))
            .options(
                joinedload(Review.attempt).joinedload(ExamAttempt.exam),
                joinedload(Review.attempt).joinedload(ExamAttempt.user),
            )
        )
        for review in db.session.scalars(query):
            attempt = review.attempt
            if attempt is not None and attempt.exam.course_id == course_id:
                found[review.attempt_code] = (review, attempt)
    return found


class SecondReviewKind(PlanKind):
    """Staff record their own decision on attempts' reviews (one row per attempt)."""

    name = KIND
    title = N_("Proctoring second review")
    input_columns = COLUMNS

    def decide(self, ctx: PlanContext, items: Sequence[Item]) -> list[Decision]:
        entries = [SecondReviewEntry.from_data(item.data) for item in items]
        found = _reviews([e.attempt_code for e in entries], ctx.course_id)
        credits = credit_statuses([attempt for _, attempt in found.values()])
        return [self._decide_one(entry, found.get(entry.attempt_code), credits) for entry in entries]

    @staticmethod
    def _decide_one(
        entry: SecondReviewEntry, found: tuple[Review, ExamAttempt] | None, credits: dict[int, str]
    ) -> Decision:
        code = entry.attempt_code
        if found is None:
            return Decision(
                Action.ERROR,
                key=code,
                code="no_review",
                message=rule_message("there is no review of attempt {code}", code=code),
            )
        review, attempt = found
        label = f"{attempt.user.username} · {attempt.exam.name} ({code})"
        try:
            standard = ReviewStatus(entry.decision)
        except ValueError:
            choices = ", ".join(s.value for s in ReviewStatus)
            return Decision(
                Action.ERROR,
                code,
                label,
                "bad_decision",
                rule_message(
                    "decision {decision} is not one of {choices}", decision=repr(entry.decision), choices=choices
                ),
            )
        refusal = unstorable_text("note", entry.note)
        if refusal:
            return Decision(Action.ERROR, code, label, "bad_text", refusal)
        if attempt.archived is not None:
            return Decision(
                Action.ERROR,
                code,
                label,
                "attempt_archived",
                rule_message("the attempt was reset; it is kept read-only"),
            )
        outcome = outcome_of(attempt, credits.get(attempt.id), standard)
        try:
            check_transition(outcome.attempt_from, outcome.attempt_to, code)
        except IllegalTransition as error:
            return Decision(Action.ERROR, code, label, "illegal_transition", str(error).rstrip("."))
        return Decision(
            Action.UPDATE,
            key=code,
            label=label,
            message=outcome.message(standard.value.replace("_", " ")),
            before={
                "review_status": review.review_status,
                "reviewer_id": review.reviewer_id,
                "attempt_status": outcome.attempt_from,
                "credit_status": outcome.credit_from,
            },
            after={
                "review_status": outcome.provider_status,
                "attempt_status": outcome.attempt_to,
                "credit_status": outcome.credit_to,
            },
            effects=outcome.effects(),
        )

    def apply(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
        entries = [SecondReviewEntry.from_data(row.data) for row in rows]
        found = _reviews([e.attempt_code for e in entries], ctx.course_id)
        for entry in entries:
            pair = found.get(entry.attempt_code)
            if pair is None or pair[1].archived is not None:
                raise ServiceError(f"Attempt {entry.attempt_code} takes no second review any more; decide again.")
            _record(ctx, pair[0], pair[1], ReviewStatus(entry.decision), entry.note)
        db.session.flush()


def _record(ctx: PlanContext, review: Review, attempt: ExamAttempt, standard: ReviewStatus, note: str) -> None:
    """Write one decision: history, reviewer, note, decided_at, the attempt's move, the audit event."""
    actor, now = ctx.actor, ctx.now
    archive(review, now)
    review.review_status = PROVIDER_STATUS[standard].value
    review.reviewer_id, review.reviewer = (actor.id, actor) if actor else (None, None)
    review.staff_note = (note or "").strip()
    review.modified = review.decided_at = now  # a staff decision: no provider callback replaces it
    db.session.flush()
    change = update_attempt_status(attempt, status_for_review(review.review_status, True), now=now)
    audit.record(
        "proctoring.second_review",
        actor,
        course_key=attempt.exam.course.key,
        summary=f"Second review of attempt {attempt.attempt_code} ({attempt.user.username}): "
        f"{standard.label}; attempt {label_of(change.from_status, AttemptStatus)} → "
        f"{label_of(change.to_status, AttemptStatus)}",
        detail={
            "attempt_code": attempt.attempt_code,
            "decision": standard.value,
            "note": review.staff_note,
            "attempt_from": change.from_status,
            "attempt_to": change.to_status,
            "credit_to": change.credit_to,
        },
    )


# ---------------------------------------------------------------------------------------- the single action


@dataclass(frozen=True, slots=True)
class SecondReviewPreview:
    """The confirmation: which review and attempt, the decision, and what it does in words; nothing is written."""

    review: Review
    attempt: ExamAttempt
    decision: Decision
    consequence: str


def _open_review(actor: User, attempt_code: str) -> tuple[Review, ExamAttempt]:
    """The review and its attempt, if the actor is staff of its course and the attempt was not reset."""
    review = get_review(actor, attempt_code)
    attempt = review.attempt
    if attempt is None:  # get_review refuses a review without attempt; this keeps the type checker informed
        raise NotFound(rule_message("There is no review for attempt {attempt_code}.", attempt_code=attempt_code))
    if attempt.archived is not None:
        raise Conflict(
            rule_message(
                "Attempt {attempt_code} was reset (archived {when} UTC): it is kept read-only with its reviews and "
                "takes no second review.",
                attempt_code=attempt.attempt_code,
                when=attempt.archived.strftime("%Y-%m-%d %H:%M"),
            )
        )
    return review, attempt


def _item(attempt_code: str, decision: str, note: str) -> Item:
    return Item.of(1, [attempt_code, decision, note], SecondReviewEntry(attempt_code, decision, note))


def preview_second_review(actor: User, attempt_code: str, decision: str, note: str = "") -> SecondReviewPreview:
    """What recording this decision will do (the confirmation page); refused rows raise InputRefused."""
    review, attempt = _open_review(actor, attempt_code)
    item = _item(review.attempt_code, decision, note)
    decided = plans.decide_single(KIND, item, actor=actor, course=attempt.exam.course)
    after, before = decided.after or {}, decided.before or {}
    outcome = Outcome(
        after.get("review_status", ""),
        before.get("attempt_status", ""),
        after.get("attempt_status", ""),
        before.get("credit_status"),
        after.get("credit_status"),
    )
    return SecondReviewPreview(review, attempt, decided, outcome.sentence())


def second_review(actor: User, attempt_code: str, decision: str, note: str = "") -> ReviewResult:
    """Record a staff member's decision as a one-row plan; returns what was written (or raises InputRefused)."""
    review, attempt = _open_review(actor, attempt_code)
    previous = attempt.status
    plans.run_single(
        KIND,
        _item(review.attempt_code, decision, note),
        actor=actor,
        course=attempt.exam.course,
        refuse_unchanged=True,
        source_name="second review (form)",
    )
    db.session.expire_all()
    review, attempt = _open_review(actor, attempt_code)
    return _result(review.review_status, attempt, previous, "updated", credit_statuses([attempt]).get(attempt.id))
