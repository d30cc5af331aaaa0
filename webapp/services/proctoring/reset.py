"""Attempt reset (domain §2.2, the platform's `remove_exam_attempt`): a plan kind, bulk from a CSV
`username_or_email,exam` (exam = the exam's content_id) and single from the attempts list, the review page
or the CLI (a one-row plan of the same kind, so it is previewed, stale-checked and audited like any apply).

Resetting archives the learner's current attempt (kept with its reviews, read-only), removes its credit
requirement status, and leaves the learner with no current attempt, so they can take the exam again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import Course, Plan, PlanRow, User
from webapp.models.proctoring import CREDIT_NAMESPACE, CreditRequirementStatus, ExamAttempt, ProctoredExam, Review
from webapp.services import permissions, plans, rosters
from webapp.services.batching import chunks
from webapp.services.csvio import (
    ENCODINGS,
    IDENTIFIER_HEADERS,
    UNSTORABLE,
    Columns,
    CsvRefused,
    check_csv_filename,
    unstorable_text,
)
from webapp.services.errors import InputRefused, NotFound, ServiceError
from webapp.services.messages import N_, rule_message
from webapp.services.plans import Decision, Effect, Item, PlanContext, PlanKind
from webapp.services.proctoring.attempts import credit_statuses
from webapp.services.rosters import ROSTER_COLUMNS
from webapp.statuses import Action, EffectKind
from webapp.timeutil import utcnow
from webapp.wording import plural

KIND = "proctoring_reset"
# A reset roster with a header is read by column name: the learner, then the exam's content_id.
RESET_HEADER = Columns(((ROSTER_COLUMNS[0], IDENTIFIER_HEADERS), ("exam", ("exam", "content_id", "exam_id"))))
COLUMNS = ("username_or_email", "exam")
CONSEQUENCES = (
    N_("the attempt is archived with its reviews (kept, read-only)"),
    N_("its credit requirement status is removed"),
    N_("the learner has no current attempt and can take the exam again"),
)


class ResetRefused(InputRefused):
    """A single reset that cannot be done (the row's check failed); nothing was written. `message` and `values`
    are the English rule message it was built from (pages show it translated)."""

    def __init__(self, template: str, **values: str) -> None:
        super().__init__(rule_message(template, **values))
        self.template = template
        self.values = values


def exam_of(item: Item | PlanRow) -> str:
    """The exam a reset row names: its second cell (the exam's content_id), stripped."""
    return item.cells[1].strip() if len(item.cells) > 1 else ""


def _current_attempts(pairs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], ExamAttempt]:
    """Current (not archived) attempts by (user id, exam id), read in batches."""
    found: dict[tuple[int, int], ExamAttempt] = {}
    for batch in chunks(sorted(set(pairs))):
        query = (
            select(ExamAttempt)
            .where(tuple_(ExamAttempt.user_id, ExamAttempt.exam_id).in_(batch), ExamAttempt.archived.is_(None))
            .options(joinedload(ExamAttempt.exam), joinedload(ExamAttempt.user))
        )
        for attempt in db.session.scalars(query):
            found[(attempt.user_id, attempt.exam_id)] = attempt
    return found


def _review_counts(attempt_ids: Sequence[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for batch in chunks(sorted(set(attempt_ids))):
        for attempt_id, count in db.session.execute(
            select(Review.attempt_id, func.count()).where(Review.attempt_id.in_(batch)).group_by(Review.attempt_id)
        ):
            if attempt_id is not None:  # the IN filter excludes NULL; the column type does not say so
                counts[attempt_id] = count
    return counts


RESET_MESSAGE = CONSEQUENCES[2]


def consequences(attempt: ExamAttempt, credit: str | None, reviews: int) -> list[Effect]:
    """What resetting this attempt does beyond the learner's next try: the archive and the credit status."""
    values = {"attempt_code": attempt.attempt_code, "status": attempt.status.replace("_", " "), "reviews": reviews}
    if reviews == 1:
        archived = rule_message(
            "attempt {attempt_code} ({status}) archived with its {reviews} review, kept read-only", **values
        )
    elif reviews:
        archived = rule_message(
            "attempt {attempt_code} ({status}) archived with its {reviews} reviews, kept read-only", **values
        )
    else:
        archived = rule_message("attempt {attempt_code} ({status}) archived (no review), kept read-only", **values)
    effects = [Effect(EffectKind.ATTEMPT_ARCHIVED, archived)]
    if credit:
        effects.append(
            Effect(
                EffectKind.CREDIT_STATUS, rule_message("credit requirement status {credit} is removed", credit=credit)
            )
        )
    return effects


class ResetKind(PlanKind):
    """Reset learners' exam attempts of one course."""

    row_nouns = (N_("attempt"), N_("attempts"))
    action_labels = {Action.DEACTIVATE: N_("Reset")}  # the attempt is archived (deactivated): it reads as a reset
    name = KIND
    title = N_("Proctoring attempt reset")
    input_columns = COLUMNS

    def decide(self, ctx: PlanContext, items: Sequence[Item]) -> list[Decision]:
        course = ctx.require_course()
        users = rosters.find_learners(rosters.identifier_of(item) for item in items if not rosters.is_blank(item))
        content_ids = sorted(
            {exam_of(item) for item in items if exam_of(item) and not UNSTORABLE.search(exam_of(item))}
        )
        exams: dict[str, ProctoredExam] = {}
        for batch in chunks(content_ids):
            for found in db.session.scalars(
                select(ProctoredExam).where(ProctoredExam.course_id == course.id, ProctoredExam.content_id.in_(batch))
            ):
                exams[found.content_id] = found
        wanted = []
        for item in items:
            user = users.get(rosters.identifier_of(item).lower())
            exam = exams.get(exam_of(item))
            if user and exam:
                wanted.append((user.id, exam.id))
        attempts = _current_attempts(wanted)
        credits = credit_statuses(list(attempts.values()))
        reviews = _review_counts([a.id for a in attempts.values()])
        last_row = {}
        for index, item in enumerate(items):
            user = users.get(rosters.identifier_of(item).lower())
            exam = exams.get(exam_of(item))
            if user and exam:
                last_row[(user.id, exam.id)] = index
        decisions = []
        for index, item in enumerate(items):
            decisions.append(self._decide_one(index, item, users, exams, attempts, credits, reviews, last_row, items))
        return decisions

    @staticmethod
    def _decide_one(index, item, users, exams, attempts, credits, reviews, last_row, items) -> Decision:
        identifier, content_id = rosters.identifier_of(item), exam_of(item)
        if rosters.is_blank(item):
            return Decision(Action.SKIP, code="blank_row", message=rule_message("blank row"))
        if problem := rosters.entry_of(item).problem:
            return Decision(Action.ERROR, code="bad_format", message=problem)
        if len([c for c in item.cells if c.strip()]) > 2 or not identifier or not content_id:
            return Decision(
                Action.ERROR,
                code="bad_format",
                message=rule_message(
                    "{cells}; expected username_or_email, then the exam's content_id",
                    cells=plural(len(item.cells), "{n} cell", "{n} cells"),
                ),
            )
        refusal = unstorable_text(COLUMNS[0], identifier) or unstorable_text(COLUMNS[1], content_id)
        if refusal:
            return Decision(Action.ERROR, code="bad_text", message=refusal)
        user = users.get(identifier.lower())
        if user is None:
            return Decision(
                Action.ERROR,
                key=identifier.lower(),
                code="unknown_learner",
                message=rule_message("{identifier} does not exist; check the spelling", identifier=identifier),
            )
        label = rosters.learner_label(user)
        exam = exams.get(content_id)
        if exam is None:
            return Decision(
                Action.ERROR,
                key=f"{user.id}:{content_id}",
                label=label,
                code="unknown_exam",
                message=rule_message(
                    "there is no exam {content_id} in this course (column exam: the exam's content_id)",
                    content_id=content_id,
                ),
            )
        label = f"{label} · {exam.name}"
        if last_row[(user.id, exam.id)] != index:
            return Decision(
                Action.SKIP,
                key=f"{user.id}:{exam.id}#{item.row}",
                label=label,
                code="duplicate_row",
                message=rule_message(
                    "same learner and exam as row {row}, which supersedes it",
                    row=items[last_row[(user.id, exam.id)]].row,
                ),
            )
        attempt = attempts.get((user.id, exam.id))
        if attempt is None:
            return Decision(
                Action.ERROR,
                key=f"{user.id}:{exam.id}",
                label=label,
                code="no_current_attempt",
                message=rule_message(
                    "{username} has no current attempt at {exam}; nothing to reset",
                    username=user.username,
                    exam=exam.name,
                ),
            )
        credit = credits.get(attempt.id)
        return Decision(
            Action.DEACTIVATE,
            key=attempt.attempt_code,
            label=label,
            message=RESET_MESSAGE,
            effects=consequences(attempt, credit, reviews.get(attempt.id, 0)),
            before={"attempt_status": attempt.status, "archived": False, "credit_status": credit},
            after={"attempt_status": attempt.status, "archived": True, "credit_status": None},
        )

    def apply(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
        codes = [row.key for row in rows]
        attempts: list[ExamAttempt] = []
        for batch in chunks(codes):
            attempts += db.session.scalars(
                select(ExamAttempt)
                .where(ExamAttempt.attempt_code.in_(batch), ExamAttempt.archived.is_(None))
                .options(joinedload(ExamAttempt.exam))
            )
        if len(attempts) != len(set(codes)):
            missing = sorted(set(codes) - {a.attempt_code for a in attempts})
            raise ServiceError(f"Attempt(s) {', '.join(missing[:5])} are no longer current; plan the reset again.")
        for attempt in attempts:
            attempt.archived = ctx.now
        keys = [(a.user_id, a.exam.course_id, a.exam.content_id) for a in attempts]
        for key_batch in chunks(keys):
            db.session.execute(
                delete(CreditRequirementStatus)
                .where(
                    CreditRequirementStatus.namespace == CREDIT_NAMESPACE,
                    tuple_(
                        CreditRequirementStatus.user_id, CreditRequirementStatus.course_id, CreditRequirementStatus.name
                    ).in_(key_batch),
                )
                .execution_options(synchronize_session=False)
            )
        db.session.flush()


# ---------------------------------------------------------------------------------------- bulk


def check_course(actor: User, course_key: str) -> Course:
    """Global staff, the course's instructors and its staff may reset its attempts (domain §0)."""
    return permissions.require_course(actor, course_key)


def plan_upload(
    actor: User | None, course_key: str, stream: BinaryIO, filename: str | None, *, encoding: str = "utf-8"
) -> Plan:
    """Plan a bulk reset from a CSV `username_or_email,exam` (refused as a whole: CsvRefused)."""
    course = permissions.course_for(actor, course_key)
    name = check_csv_filename(filename)
    if encoding not in ENCODINGS:
        raise CsvRefused(f"Unknown encoding {encoding!r}; choose one of {', '.join(ENCODINGS)}.")
    items = rosters.roster_items(stream, encoding=encoding, columns=RESET_HEADER)
    return plans.create_plan(KIND, items, actor=actor, course=course, source_name=name)


# ---------------------------------------------------------------------------------------- single


@dataclass
class SingleReset:
    """A single reset as staff confirm it (the decided row) and, once applied, its plan."""

    course: Course
    attempt: ExamAttempt
    decision: Decision
    plan: Plan | None = None

    @property
    def message(self) -> str:
        """The row's message and its side effects (the confirmation states them all)."""
        return "; ".join(self.parts)

    @property
    def parts(self) -> list[str]:
        """The side effects' messages, then the row's (each a rule message: pages translate each)."""
        return [*(e.message for e in self.decision.effects), self.decision.message]


def _attempt_in_course(course: Course, attempt_code: str) -> ExamAttempt:
    attempt = db.session.scalar(
        select(ExamAttempt)
        .join(ProctoredExam)
        .where(
            func.upper(ExamAttempt.attempt_code) == attempt_code.strip().upper(), ProctoredExam.course_id == course.id
        )
        .options(joinedload(ExamAttempt.exam), joinedload(ExamAttempt.user))
    )
    if attempt is None:
        raise NotFound(
            rule_message(
                "There is no attempt {attempt_code} in {course}.", attempt_code=attempt_code, course=course.key
            )
        )
    return attempt


def _single_item(identifier: str, content_id: str) -> Item:
    return Item(1, [identifier, content_id], {})


def _decide(actor: User | None, course: Course, item: Item) -> Decision:
    ctx = PlanContext(actor=actor, course=course, params={}, now=utcnow())
    (decision,) = plans.get_kind(KIND).decide(ctx, [item])
    if decision.action != Action.DEACTIVATE:
        if decision.label:
            raise ResetRefused(
                N_("{label}: {message} ({code})."), label=decision.label, message=decision.message, code=decision.code
            )
        raise ResetRefused(N_("{message} ({code})."), message=decision.message, code=decision.code)
    return decision


def preview_reset(actor: User, course_key: str, attempt_code: str) -> SingleReset:
    """What resetting this attempt will do (the confirmation page); writes nothing."""
    course = permissions.require_course(actor, course_key)
    attempt = _attempt_in_course(course, attempt_code)
    if attempt.archived is not None:
        raise ResetRefused(
            N_("Attempt {attempt_code} was already reset on {when} UTC."),
            attempt_code=attempt.attempt_code,
            when=attempt.archived.strftime("%Y-%m-%d %H:%M"),
        )
    decision = _decide(actor, course, _single_item(rosters.identifier_for(attempt.user), attempt.exam.content_id))
    return SingleReset(course, attempt, decision)


def reset_attempt(actor: User, course_key: str, attempt_code: str) -> SingleReset:
    """Reset one attempt as a one-row plan of the reset kind (planned, then applied: audited like any apply)."""
    single = preview_reset(actor, course_key, attempt_code)
    return _run(actor, single.course, single.attempt, single.decision)


def reset_learner(actor: User | None, course_key: str, content_id: str, identifier: str) -> SingleReset:
    """Reset a learner's current attempt at an exam (the CLI): same one-row plan."""
    course = permissions.course_for(actor, course_key)
    decision = _decide(actor, course, _single_item(identifier.strip(), content_id.strip()))
    attempt = _attempt_in_course(course, decision.key)
    return _run(actor, course, attempt, decision)


def _run(actor: User | None, course: Course, attempt: ExamAttempt, decision: Decision) -> SingleReset:
    """Reset through the one single-row path (`plans.run_single`): done only when the row was written."""
    item = _single_item(rosters.identifier_for(attempt.user), attempt.exam.content_id)
    done = plans.run_single(
        KIND, item, actor=actor, course=course, refuse_unchanged=True, source_name="single attempt reset"
    )
    return SingleReset(course, attempt, decision, done.plan)
