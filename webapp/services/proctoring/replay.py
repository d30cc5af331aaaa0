"""Replay of provider payloads as a plan (for a provider outage backlog): upload -> preview -> apply.

The file is JSON (one payload or a list of payloads) or JSON lines (one payload per line). Each payload
becomes one row: attempt, review status, attempt status from -> to, credit from -> to, or an error
(invalid payload, unknown attempt, record-locator mismatch, other course, updates not allowed).
Applying stores each payload through the same review service as the webhook.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Course, Plan, PlanRow, User
from webapp.models.proctoring import ExamAttempt, Review
from webapp.services import jsonio, permissions, plans
from webapp.services.batching import chunks
from webapp.services.errors import InputRefused, ServiceError
from webapp.services.messages import N_, rule_message
from webapp.services.plans import Decision, Effect, Item, PlanContext, PlanKind
from webapp.services.proctoring.attempts import (
    credit_for,
    credit_statuses,
    status_for_review,
    stored_status,
)
from webapp.services.proctoring.payload import PayloadError, ReviewPayload, redact, validate
from webapp.services.proctoring.reviews import (
    check_locator,
    find_attempts,
    replacement_refusal,
    same_review,
    store_reviews,
)
from webapp.statuses import Action, AttemptStatus, CreditStatus, EffectKind, PlanStatus, ProviderReviewStatus, label_of

KIND = "proctoring_replay"
_LINE_END = re.compile(r"\r\n?|\n")


class ReplayRefused(InputRefused):
    """The file cannot be read as JSON or JSON lines at all."""


class ReplayEntry(NamedTuple):
    """The typed payload of a replay row: the provider payload (redacted), or why its JSON-lines line is not
    JSON (`error`; the line itself is not kept). Stored as `{"payload"}` or `{"error"}`."""

    payload: Any = None
    error: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {"error": self.error} if self.error is not None else {"payload": self.payload}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ReplayEntry:
        return cls(error=str(data["error"])) if "error" in data else cls(data.get("payload"))


def read_payloads(raw: bytes, filename: str = "") -> list[Item]:
    """One item per payload; a JSON-lines line that is not JSON becomes an error item for that line."""
    what = filename or N_("The file")
    data = jsonio.quick_loads(raw)  # JSON as it is: parsed without the decoded text (see jsonio.quick_loads)
    if data is not None:
        return _document_items(data, what)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReplayRefused(
            rule_message("{what} is not UTF-8 text (byte {byte}).", what=what, byte=error.start)
        ) from None
    if not text.strip():
        raise ReplayRefused(rule_message("{what} is empty: it has no payloads.", what=what))
    try:
        data = jsonio.loads(text, what=what, error=ReplayRefused)
    except ReplayRefused as refusal:
        if jsonio.parsed_but_refused(refusal):  # JSON, but too large or not storable: not JSON lines either
            raise
    else:
        del text
        return _document_items(data, what)
    items = _json_lines(text, what)
    if not items:
        raise ReplayRefused(rule_message("{what} has no payloads.", what=what))
    if all(ReplayEntry.from_data(i.data).error is not None for i in items):
        first = items[0]
        raise ReplayRefused(
            rule_message(
                "{what} is neither JSON nor JSON lines: line {row}: {error}",
                what=what,
                row=first.row,
                error=ReplayEntry.from_data(first.data).error,
            )
        )
    return items


def _document_items(data: Any, what: str) -> list[Item]:
    """The items of a parsed JSON document: one payload, or a list of them (each list entry is let go once
    its item is made: the redacted payload is all that stays)."""
    if isinstance(data, dict):
        return [_item(1, data)]
    if not isinstance(data, list):
        raise ReplayRefused(
            rule_message("{what} must hold a payload object, a list of payloads or JSON lines.", what=what)
        )
    jsonio.limit_items(data, what=what, error=ReplayRefused)
    if not data:
        raise ReplayRefused(rule_message("{what} has no payloads.", what=what))
    items = []
    for index in range(len(data)):
        items.append(_item(index + 1, data[index]))
        data[index] = None
    return items


def check_upload(raw: bytes, filename: str = "") -> None:
    """What can be refused before a replay is queued: a document with more than jsonio.MAX_VALUES values
    (the same refusal as the academy file's; parsing it in the job would fail the same way, later)."""
    jsonio.refuse_too_many_values(raw, what=filename or "The file", error=ReplayRefused)


def _lines(text: str) -> Iterator[str]:
    """The lines of the text (ended by LF, CRLF or CR) one at a time: `str.splitlines` would hold them all."""
    start = 0
    for end in _LINE_END.finditer(text):
        yield text[start : end.start()]
        start = end.end()
    if start < len(text):
        yield text[start:]


def _json_lines(text: str, what: str) -> list[Item]:
    items: list[Item] = []
    limit = jsonio.max_items()
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        if len(items) == limit:
            raise jsonio.too_many_items(what, ReplayRefused)
        try:
            items.append(_item(number, jsonio.loads(line, what=f"line {number}", error=ReplayRefused)))
        except ReplayRefused as error:
            # The line itself is not kept: it may hold a password or a photo that cannot be redacted.
            items.append(Item.of(number, ["(not JSON)", ""], ReplayEntry(error=str(error))))
    return items


def _item(row: int, entry: Any) -> Item:
    meta = entry.get("examMetaData") if isinstance(entry, dict) else None
    code = meta.get("examCode", "") if isinstance(meta, dict) else ""
    status = entry.get("reviewStatus", "") if isinstance(entry, dict) else ""
    # The plan row keeps the payload without the photo, the exam password and the video link.
    return Item.of(row, [str(code)[:100], str(status)[:40]], ReplayEntry(redact(entry)))


LAST_ROWS = "replay_last_rows"  # ctx.cache: {attempt code: the last row replaying it}, by `survey`


def _parsed(item: Item) -> ReviewPayload | str:
    """The item's payload validated, or why it is invalid (a JSON-lines line that is not JSON, a bad payload)."""
    entry = ReplayEntry.from_data(item.data)
    if entry.error is not None:
        return rule_message("line {row}: {error}", row=item.row, error=entry.error)
    try:
        return validate(entry.payload)
    except PayloadError as error:
        return str(error)


def _may_act(ctx: PlanContext, actor: User, course: Course) -> bool:
    """Course permission of the acting user, asked once per course per run (not once per payload)."""
    allowed: dict[int, bool] = ctx.cache.setdefault("may_act", {})
    if course.id not in allowed:
        allowed[course.id] = permissions.is_course_staff(actor, course)
    return allowed[course.id]


def check_course(actor: User, course_key: str) -> None:
    """Course staff (or global staff) of this course may replay its payloads."""
    permissions.require_course(actor, course_key)


def plan_replay(raw: bytes, filename: str, *, actor: User | None, course_key: str = "") -> Plan:
    """Plan a replay (nothing is written but the plan)."""
    course = permissions.course_for(actor, course_key) if course_key else None
    items = read_payloads(raw, filename)
    return plans.create_plan(KIND, lambda: items, actor=actor, course=course, source_name=filename)


def ingest(raw: bytes, filename: str, *, actor: User | None, dry_run: bool = False) -> Plan:
    """The CLI: plan, and unless dry_run apply the valid rows (partial success is normal)."""
    plan = plan_replay(raw, filename, actor=actor)
    if not dry_run and plan.status == PlanStatus.PREVIEWED:
        plans.apply_plan(plan.id, actor)
        db.session.refresh(plan)
    return plan


class ReplayKind(PlanKind):
    """Replay provider review payloads; each row stored like a webhook callback."""

    row_nouns = (N_("review"), N_("reviews"))
    name = KIND
    title = N_("Proctoring review replay")
    input_columns = ("attempt_code", "review_status")
    needs_course = False
    batched = True  # an upload is decided and stored a batch at a time (`survey` finds the duplicates first)

    def authorize(self, actor: User | None, course: Course | None) -> None:
        """Course staff for a course's replay; global staff for a replay across courses."""
        if actor is None:
            return
        if course is not None:
            permissions.require_course(actor, course.key)
        else:
            permissions.require_global_staff(actor)

    def survey(self, ctx: PlanContext, items: Iterable[Item]) -> int:
        """The last row of each attempt code (the row that supersedes the others), whichever its batch."""
        last_rows: dict[str, int] = {}
        count = 0
        for item in items:
            count += 1
            p = _parsed(item)
            if isinstance(p, ReviewPayload):
                last_rows[p.attempt_code.upper()] = item.row
        ctx.cache[LAST_ROWS] = last_rows
        return count

    def decide(self, ctx: PlanContext, items: Sequence[Item]) -> Iterator[Decision]:
        parsed = [_parsed(item) for item in items]
        surveyed: dict[str, int] = ctx.cache.get(LAST_ROWS, {})
        payloads = [p for p in parsed if isinstance(p, ReviewPayload)]
        attempts = find_attempts([p.attempt_code for p in payloads])
        reviews = self._reviews([a.attempt_code for a in attempts.values()])
        reviewers = self._reviewers([p.reviewed_by for p in payloads if p.reviewed_by])
        credits = credit_statuses(list(attempts.values()))
        last_row = {p.attempt_code.upper(): i for i, p in enumerate(parsed) if isinstance(p, ReviewPayload)}
        for item, p in zip(items, parsed, strict=True):
            if isinstance(p, str):
                yield Decision(Action.ERROR, code="invalid_payload", message=p)
                continue
            code = p.attempt_code.upper()
            attempt = attempts.get(code)
            if attempt is None:
                yield Decision(
                    Action.ERROR,
                    key=p.attempt_code,
                    label=p.attempt_code,
                    code="unknown_attempt",
                    message=rule_message(
                        "There is no exam attempt with attempt code {attempt_code}.", attempt_code=p.attempt_code
                    ),
                )
                continue
            label = f"{attempt.attempt_code} ({attempt.user.username}, {attempt.exam.name})"
            key = attempt.attempt_code
            winner = max(items[last_row[code]].row, surveyed.get(code, 0))
            if winner != item.row:
                yield Decision(
                    Action.SKIP,
                    key=f"{key}#{item.row}",
                    label=label,
                    code="duplicate_row",
                    message=rule_message("superseded by row {row} for the same attempt", row=winner),
                )
                continue
            problem = self._problem(ctx, attempt, p)
            if problem:
                yield Decision(Action.ERROR, key=key, label=label, code=problem[0], message=problem[1])
                continue
            reviewer = reviewers.get(p.reviewed_by.lower()) if p.reviewed_by else None
            review = reviews.get(attempt.attempt_code)
            if review is not None and same_review(review, p, reviewer):
                yield Decision(
                    Action.UNCHANGED,
                    key=key,
                    label=label,
                    message=rule_message(
                        "review {status} already stored; nothing changes", status=review.review_status
                    ),
                )
                continue
            refusal = replacement_refusal(review, None) if review is not None else None
            if refusal is not None:
                yield Decision(Action.ERROR, key=key, label=label, code=refusal[0], message=refusal[1])
                continue
            yield self._change(attempt, p, review, reviewer is not None, credits.get(attempt.id), key, label)

    @staticmethod
    def _problem(ctx: PlanContext, attempt: ExamAttempt, payload: ReviewPayload) -> tuple[str, str] | None:
        try:
            check_locator(attempt, payload.record_locator)
        except ServiceError as error:
            return "record_locator_mismatch", str(error)
        if ctx.course is not None and attempt.exam.course_id != ctx.course.id:
            return (
                "other_course",
                rule_message(
                    "attempt {attempt_code} belongs to {course}, not to {other}",
                    attempt_code=attempt.attempt_code,
                    course=attempt.exam.course.key,
                    other=ctx.course.key,
                ),
            )
        if ctx.actor is not None and not _may_act(ctx, ctx.actor, attempt.exam.course):
            return "not_allowed", rule_message("you are not staff of {course}", course=attempt.exam.course.key)
        return None

    @staticmethod
    def _change(
        attempt: ExamAttempt,
        payload: ReviewPayload,
        review: Review | None,
        has_reviewer: bool,
        credit_before: str | None,
        key: str,
        label: str,
    ) -> Decision:
        if attempt.archived is not None:  # a reset attempt keeps the review but moves no status
            target, credit_before, credit_after = attempt.status, None, None
        else:
            target = stored_status(status_for_review(payload.provider_status, has_reviewer)).value
            credit_after = credit_for(target) or credit_before
        before = {
            "review_status": review.review_status if review else None,
            "attempt_status": attempt.status,
            "credit_status": credit_before,
        }
        after = {
            "review_status": payload.provider_status.value,
            "attempt_status": target,
            "credit_status": credit_after,
        }
        review_label = label_of(payload.provider_status, ProviderReviewStatus)
        message = rule_message(
            "review {status}; attempt {before} → {after}",
            status=review_label,
            before=label_of(attempt.status, AttemptStatus),
            after=label_of(target, AttemptStatus),
        )
        effects = []
        if attempt.archived is not None:
            message = rule_message(
                "review {status} stored with the reset (archived) attempt; no status changes", status=review_label
            )
        elif credit_after != credit_before:
            effects.append(
                Effect(
                    EffectKind.CREDIT_STATUS,
                    rule_message(
                        "credit requirement status {before} → {after}",
                        before=label_of(credit_before, CreditStatus) if credit_before else "none",
                        after=label_of(credit_after, CreditStatus) if credit_after else "none",
                    ),
                )
            )
        if payload.provider_status == ProviderReviewStatus.SUSPICIOUS:  # as the review service: every Suspicious
            effects.append(
                Effect(
                    EffectKind.SUPPORT_NOTIFIED,
                    rule_message("support is notified of attempt {attempt_code}", attempt_code=attempt.attempt_code),
                )
            )
        return Decision(
            Action.UPDATE if review else Action.CREATE,
            key=key,
            label=label,
            message=message,
            before=before,
            after=after,
            effects=effects,
        )

    @staticmethod
    def _reviews(codes: list[str]) -> dict[str, Review]:
        found: dict[str, Review] = {}
        for batch in chunks(codes):
            found.update(
                (r.attempt_code, r) for r in db.session.scalars(select(Review).where(Review.attempt_code.in_(batch)))
            )
        return found

    @staticmethod
    def _reviewers(emails: list[str]) -> dict[str, User]:
        from sqlalchemy import func

        found: dict[str, User] = {}
        for batch in chunks(sorted({e.lower() for e in emails})):
            found.update(
                (u.email.lower(), u) for u in db.session.scalars(select(User).where(func.lower(User.email).in_(batch)))
            )
        return found

    def apply(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
        """Store the batch's payloads through the review service in one call (batched reads and writes);
        a refused payload refuses the batch, which the engine then replays row by row."""
        store_reviews(
            [validate(ReplayEntry.from_data(row.data).payload) for row in rows],
            actor=ctx.actor,
            now=ctx.now,
            source=f"replay plan #{ctx.plan.id}" if ctx.plan else "replay",
        )
