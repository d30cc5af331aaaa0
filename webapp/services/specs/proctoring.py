"""Data-spec entities of proctoring: exams, attempts, reviews (domain §5).

Attempts are keyed by their attempt_code when the spec gives one (reviews refer to attempts that way),
else by (course, content_id, username). Statuses are written as given (a spec seeds data, it does not
replay the attempt rules), except that timed_out is stored as submitted unless ALLOW_TIMED_OUT_STATE.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from webapp.extensions import db
from webapp.models import Course, User
from webapp.models.proctoring import (
    CREDIT_NAMESPACE,
    CreditRequirementStatus,
    ExamAttempt,
    ProctoredExam,
    Review,
    ReviewComment,
)
from webapp.services.batching import chunks
from webapp.services.errors import ServiceError
from webapp.services.proctoring.attempts import check_transition, credit_for, new_attempt_code, stored_status
from webapp.services.specs.base import Entity, Field, Key, Resolver
from webapp.services.specs.core import course_ids, rows_of_users, user_ids
from webapp.statuses import AttemptStatus, ProviderReviewStatus

COMMENT_FIELDS = ("start", "stop", "duration", "comment", "status")


class Exams(Entity):
    key = "exams"
    fields = (
        Field("course", "course_key", required=True),
        Field("content_id", required=True),
        Field("name", required=True),
        Field("time_limit_mins", "int", default=60, minimum=1, maximum=10_000),
        Field("is_proctored", "bool", default=True),
        Field("is_practice", "bool", default=False),
        Field("is_active", "bool", default=True),
    )

    def natural_key(self, values: dict[str, Any]) -> Key:
        return (values["course"], values["content_id"])

    def references(self, values: dict[str, Any]) -> list[tuple[str, Key, str]]:
        return [("courses", (values["course"],), "course")]

    def load(self, keys: Sequence[Key]) -> dict[Key, Any]:
        """Exams by (course key, content_id): the courses' ids first, then their exams by course id."""
        return _exams(set(keys))

    def snapshot(self, row: ProctoredExam) -> dict[str, Any]:
        return {
            "name": row.name,
            "time_limit_mins": row.time_limit_mins,
            "is_proctored": row.is_proctored,
            "is_practice": row.is_practice,
            "is_active": row.is_active,
        }

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if k not in ("course", "content_id")}

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        resolver.prefetch("courses", [(v["course"],) for v, _ in rows])
        for values, exam in rows:
            if exam is None:
                exam = ProctoredExam(
                    course_id=resolver.get("courses", (values["course"],)).id, content_id=values["content_id"]
                )
                db.session.add(exam)
            for name in ("name", "time_limit_mins", "is_proctored", "is_practice", "is_active"):
                setattr(exam, name, values[name])
        resolver.forget(self.key)


class Attempts(Entity):
    key = "attempts"
    fields = (
        Field("course", "course_key", required=True),
        Field("content_id", required=True),
        Field("username", required=True),
        Field("status", "choice", required=True, choices=tuple(s.value for s in AttemptStatus)),
        Field("attempt_code"),
        Field("external_id", default=""),
        Field("taking_as_proctored", "bool", default=True),
    )

    def natural_key(self, values: dict[str, Any]) -> Key:
        if values.get("attempt_code"):
            return (values["attempt_code"].upper(),)
        return (values["course"], values["content_id"], values["username"].lower())

    def references(self, values: dict[str, Any]) -> list[tuple[str, Key, str]]:
        return [
            ("exams", (values["course"], values["content_id"]), "content_id"),
            ("users", (values["username"].lower(),), "username"),
        ]

    def load(self, keys: Sequence[Key]) -> dict[Key, Any]:
        found: dict[Key, Any] = {}
        codes = [k[0] for k in keys if len(k) == 1]
        triples = [k for k in keys if len(k) == 3]
        base = (
            select(ExamAttempt)
            .join(ProctoredExam)
            .join(Course)
            .join(User, User.id == ExamAttempt.user_id)
            .options(joinedload(ExamAttempt.exam).joinedload(ProctoredExam.course), joinedload(ExamAttempt.user))
        )
        for batch in chunks(codes):
            for attempt in db.session.scalars(base.where(func.upper(ExamAttempt.attempt_code).in_(batch))):
                found[(attempt.attempt_code.upper(),)] = attempt
        if not triples:
            return found
        wanted = set(triples)
        exams = {exam.id: key for key, exam in _exams({(k[0], k[1]) for k in wanted}).items()}
        users = user_ids(k[2] for k in wanted)
        current = base.where(ExamAttempt.archived.is_(None))  # the learner's current attempt; reset ones are archived
        for (attempt,) in rows_of_users(current, ExamAttempt.user_id, users, ExamAttempt.exam_id, exams):
            key = (*exams[attempt.exam_id], users[attempt.user_id]) if attempt.exam_id in exams else None
            if key in wanted:
                found[key] = attempt
        return found

    def snapshot(self, row: ExamAttempt) -> dict[str, Any]:
        return {
            "course": row.exam.course.key,
            "content_id": row.exam.content_id,
            "username": row.user.username,
            "status": row.status,
            "attempt_code": row.attempt_code,
            "external_id": row.external_id,
            "taking_as_proctored": row.taking_as_proctored,
        }

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        return {**super().comparable(values), "status": stored_status(values["status"]).value}

    def batch_errors(self, entries: list[dict[str, Any]], existing: dict[Key, Any]) -> dict[int, str]:
        """A spec obeys the attempt rules too: a completed attempt never moves back to an incomplete status."""
        errors: dict[int, str] = {}
        for index, values in enumerate(entries):
            attempt = existing.get(self.natural_key(values))
            if attempt is None:
                continue
            try:
                check_transition(attempt.status, stored_status(values["status"]), attempt.attempt_code)
            except ServiceError as error:
                errors[index] = str(error)
        return errors

    def diff(self, existing: Any, values: dict[str, Any]) -> tuple[dict, dict]:
        before, after = super().diff(existing, values)
        for name, have, want in (
            ("username", existing.user.username, values["username"]),
            ("attempt_code", existing.attempt_code, values.get("attempt_code") or ""),
        ):
            if have.lower() == want.lower() or (name == "attempt_code" and not want):
                before.pop(name, None)
                after.pop(name, None)
        return before, after

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        resolver.prefetch("exams", [(v["course"], v["content_id"]) for v, _ in rows])
        resolver.prefetch("users", [(v["username"].lower(),) for v, _ in rows])
        credits: dict[tuple[int, int, str], str] = {}
        for values, attempt in rows:
            exam = resolver.get("exams", (values["course"], values["content_id"]))
            user = resolver.get("users", (values["username"].lower(),))
            if attempt is None:
                attempt = ExamAttempt(attempt_code=values.get("attempt_code") or new_attempt_code())
                db.session.add(attempt)
            attempt.exam_id, attempt.user_id = exam.id, user.id
            attempt.status = stored_status(values["status"]).value  # timed_out unless allowed -> submitted
            attempt.external_id = values["external_id"]
            attempt.taking_as_proctored = values["taking_as_proctored"]
            credit = credit_for(attempt.status)
            if credit:
                credits[(user.id, exam.course_id, exam.content_id)] = credit
        _write_credits(credits)
        resolver.forget(self.key)


class Reviews(Entity):
    key = "reviews"
    fields = (
        Field("attempt_code", required=True),
        Field("review_status", "choice", required=True, choices=tuple(s.value for s in ProviderReviewStatus)),
        Field("reviewed_by"),
        Field("comments", "list", default=[]),
    )

    def natural_key(self, values: dict[str, Any]) -> Key:
        return (values["attempt_code"].upper(),)

    def references(self, values: dict[str, Any]) -> list[tuple[str, Key, str]]:
        refs: list[tuple[str, Key, str]] = [("attempts", (values["attempt_code"].upper(),), "attempt_code")]
        if values.get("reviewed_by"):
            refs.append(("users", (values["reviewed_by"].lower(),), "reviewed_by"))
        return refs

    def extra_errors(self, values: dict[str, Any]) -> list[str]:
        errors = []
        for index, comment in enumerate(values.get("comments") or [], start=1):
            if not isinstance(comment, dict):
                errors.append(f"comment {index} must be a mapping of {', '.join(COMMENT_FIELDS)}")
                continue
            unknown = [k for k in comment if k not in COMMENT_FIELDS]
            if unknown:
                errors.append(
                    f"comment {index}: unknown field(s) {', '.join(map(str, unknown))} "
                    f"(known: {', '.join(COMMENT_FIELDS)})"
                )
            for name in ("start", "stop", "duration"):
                value = comment.get(name, 0)
                if isinstance(value, bool) or not isinstance(value, int):
                    errors.append(f"comment {index}: field {name!r} must be whole seconds, not {value!r}")
        return errors

    def load(self, keys: Sequence[Key]) -> dict[Key, Any]:
        found: dict[Key, Any] = {}
        for batch in chunks([k[0] for k in keys]):
            query = (
                select(Review)
                .where(func.upper(Review.attempt_code).in_(batch))
                .options(joinedload(Review.reviewer), selectinload(Review.comments))
            )
            for review in db.session.scalars(query):
                found[(review.attempt_code.upper(),)] = review
        return found

    def snapshot(self, row: Review) -> dict[str, Any]:
        return {
            "review_status": row.review_status,
            "reviewed_by": row.reviewer.username.lower() if row.reviewer else None,
            "comments": [
                {"start": c.start, "stop": c.stop, "duration": c.duration, "comment": c.comment, "status": c.status}
                for c in row.comments
            ],
        }

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "review_status": values["review_status"],
            "reviewed_by": values["reviewed_by"].lower() if values.get("reviewed_by") else None,
            "comments": [_comment(c) for c in values.get("comments") or []],
        }

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        resolver.prefetch("attempts", [(v["attempt_code"].upper(),) for v, _ in rows])
        resolver.prefetch("users", [(v["reviewed_by"].lower(),) for v, _ in rows if v.get("reviewed_by")])
        for values, review in rows:
            attempt = resolver.get("attempts", (values["attempt_code"].upper(),))
            if review is None:
                review = Review(attempt_code=attempt.attempt_code, attempt_id=attempt.id)
                db.session.add(review)
            review.review_status = values["review_status"]
            review.raw_data = {
                "reviewStatus": values["review_status"],
                "examMetaData": {"examCode": attempt.attempt_code, "ssiRecordLocator": attempt.external_id},
            }
            reviewer = resolver.get("users", (values["reviewed_by"].lower(),)) if values.get("reviewed_by") else None
            review.reviewer_id = reviewer.id if reviewer else None
            review.comments = [
                ReviewComment(position=i, source="webcam", **_comment(c))
                for i, c in enumerate(values.get("comments") or [])
            ]


def _exams(keys: set[Key]) -> dict[Key, ProctoredExam]:
    """Exams by (course key, content_id), looked up by course id (no row-value IN over a join)."""
    courses = course_ids(k[0] for k in keys)
    found: dict[Key, ProctoredExam] = {}
    for batch in chunks(sorted(courses)):
        for exam in db.session.scalars(select(ProctoredExam).where(ProctoredExam.course_id.in_(batch))):
            key = (courses[exam.course_id], exam.content_id)
            if key in keys:
                found[key] = exam
    return found


def _write_credits(credits: dict[tuple[int, int, str], str]) -> None:
    """The credit requirement status each seeded attempt status implies (as the attempt rules would set)."""
    existing: dict[tuple[int, int, str], CreditRequirementStatus] = {}
    for batch in chunks(list(credits)):
        for row in db.session.scalars(
            select(CreditRequirementStatus).where(
                CreditRequirementStatus.namespace == CREDIT_NAMESPACE,
                tuple_(
                    CreditRequirementStatus.user_id, CreditRequirementStatus.course_id, CreditRequirementStatus.name
                ).in_(batch),
            )
        ):
            existing[(row.user_id, row.course_id, row.name)] = row
    for (user_id, course_id, name), status in credits.items():
        found = existing.get((user_id, course_id, name))
        if found is None:
            db.session.add(
                CreditRequirementStatus(
                    user_id=user_id, course_id=course_id, namespace=CREDIT_NAMESPACE, name=name, status=status
                )
            )
        else:
            found.status = status


def _comment(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "start": entry.get("start", 0),
        "stop": entry.get("stop", 0),
        "duration": entry.get("duration", 0),
        "comment": str(entry.get("comment", "")),
        "status": str(entry.get("status", "")),
    }
