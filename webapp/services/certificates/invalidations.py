"""Certificate invalidations (domain §1.4): bulk from a roster CSV, one learner from a form, re-validation,
and the per-course invalidation list.

Two plan kinds. `certificates.invalidate` invalidates learners' certificates (create) or updates the notes
of an existing active invalidation (update). `certificates.revalidate` is its inverse and the single
re-validation: per row it deactivates the active invalidation and restores the status held before
(deactivate), or, for the revert of a notes update, puts the old notes back (update).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from webapp.extensions import db
from webapp.models import Certificate, Course, Invalidation, Plan, PlanRow, User
from webapp.services import plans, rosters
from webapp.services.batching import chunks
from webapp.services.certificates.common import (
    NO_CERTIFICATE_STATUSES,
    CertificateChangeKind,
    active_invalidations,
    allowlist_by_user,
    certificates_by_user,
    changing_course,
    invalidate_certificate,
    revalidate_certificate,
    unavailable_effect,
    viewing_course,
)
from webapp.services.csvio import ENCODINGS, CsvRefused, check_csv_filename
from webapp.services.errors import InputRefused, NotFound
from webapp.services.messages import N_, rule_message
from webapp.services.pagination import Page, paginate
from webapp.services.plans import Decision, InversePlan, Item, PlanContext, SingleResult
from webapp.services.search import contains_text, search_term
from webapp.statuses import Action, CertificateStatus, InvalidationState, label_of

INVALIDATE_KIND = "certificates.invalidate"
REVALIDATE_KIND = "certificates.revalidate"
MODE_REVALIDATE = "revalidate"
MODE_RESTORE_NOTES = "restore_notes"
NO_CERTIFICATE = N_("learner has no certificate in this course")


def _users_by_id(user_ids: Iterable[int]) -> dict[int, User]:
    found: dict[int, User] = {}
    for batch in chunks(sorted(set(user_ids))):
        found.update((u.id, u) for u in db.session.scalars(select(User).where(User.id.in_(batch))))
    return found


def _row_targets(course: Course, rows: Sequence[PlanRow]) -> tuple[dict[int, Certificate], dict[int, Invalidation]]:
    """Certificates by user id and active invalidations by certificate id of the rows' learners (batched)."""
    certificates = certificates_by_user(course.id, [int(r.key) for r in rows])
    return certificates, active_invalidations(c.id for c in certificates.values())


# ------------------------------------------------------------------------------------------ invalidate


class InvalidateKind(CertificateChangeKind):
    """Invalidate learners' certificates from a roster: `username_or_email[,notes]`."""

    row_nouns = (N_("invalidation"), N_("invalidations"))
    name = INVALIDATE_KIND
    title = N_("Certificate invalidations")
    input_columns = rosters.ROSTER_COLUMNS
    batched = True  # an upload is planned a batch at a time (rosters.survey finds the duplicates first)

    def survey(self, ctx: PlanContext, items: Iterable[Item]) -> int:
        return rosters.survey(ctx, items)

    def decide(self, ctx: PlanContext, items: Sequence[Item]) -> list[Decision]:
        decisions, resolved = rosters.triage(items, ctx)
        user_ids = [r.user.id for r in resolved]
        certificates = certificates_by_user(ctx.course_id, user_ids)
        allowlist = allowlist_by_user(ctx.course_id, user_ids)
        active = active_invalidations(c.id for c in certificates.values())
        decided = {r.index: self._decide_one(r, certificates, allowlist, active) for r in resolved}
        return rosters.merge(decisions, decided)

    @staticmethod
    def _decide_one(
        r: rosters.Resolved, certificates: dict[int, Certificate], allowlist: dict, active: dict[int, Invalidation]
    ) -> Decision:
        key, label = str(r.user.id), rosters.learner_label(r.user)
        certificate = certificates.get(r.user.id)
        if certificate is None or certificate.status in NO_CERTIFICATE_STATUSES:
            return Decision(Action.ERROR, key, label, "no_certificate", rule_message(NO_CERTIFICATE))
        if r.user.id in allowlist:
            return Decision(
                Action.ERROR,
                key,
                label,
                "on_allowlist",
                rule_message("learner is on the allowlist (certificate exception); remove the exception first"),
            )
        invalidation = active.get(certificate.id)
        if invalidation is not None:
            if invalidation.notes == r.notes:
                return Decision(
                    Action.UNCHANGED,
                    key,
                    label,
                    "already_invalidated",
                    rule_message("certificate is already invalidated with these notes"),
                )
            return Decision(
                Action.UPDATE,
                key,
                label,
                "already_invalidated",
                rule_message("certificate is already invalidated; its notes will be updated"),
                before={"notes": invalidation.notes},
                after={"notes": r.notes},
            )
        if certificate.status != CertificateStatus.DOWNLOADABLE:  # the platform's is_valid()
            return Decision(
                Action.ERROR, key, label, "certificate_not_valid", rule_message("Certificate is already invalid")
            )
        return Decision(
            Action.CREATE,
            key,
            label,
            message=rule_message("invalidate the certificate"),
            before={"status": certificate.status, "grade": certificate.grade},
            effects=[unavailable_effect(certificate.status, certificate.grade)],
            after={
                "status": str(CertificateStatus.UNAVAILABLE),
                "grade": None,
                **({"notes": r.notes} if r.notes else {}),
            },
        )

    def apply(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
        certificates, active = _row_targets(ctx.require_course(), rows)
        for row in rows:
            certificate = certificates[int(row.key)]
            notes = rosters.notes_of(row)
            if row.action == Action.CREATE:
                invalidate_certificate(certificate, by=ctx.actor, notes=notes)
            elif row.action == Action.UPDATE:
                active[certificate.id].notes = notes

    def inverse(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> InversePlan | None:
        """Re-validate what was invalidated; put the old notes back where notes were updated."""
        users = _users_by_id(int(r.key) for r in rows)
        items = []
        for number, row in enumerate(rows, start=1):
            user = users.get(int(row.key))
            if user is None:
                continue
            if row.action == Action.CREATE:
                items.append(_revalidate_item(number, user, MODE_REVALIDATE, ""))
            elif row.action == Action.UPDATE:
                items.append(_revalidate_item(number, user, MODE_RESTORE_NOTES, (row.before or {}).get("notes", "")))
        return InversePlan(REVALIDATE_KIND, items)


def _revalidate_item(row: int, user: User, mode: str, notes: str) -> Item:
    return rosters.RosterEntry(rosters.identifier_for(user), notes, mode=mode).item(row)


# ------------------------------------------------------------------------------------------ revalidate


class RevalidateKind(CertificateChangeKind):
    """Re-validate learners' certificates: the active invalidation becomes inactive, the status comes back."""

    row_nouns = (N_("certificate"), N_("certificates"))
    action_labels = {
        Action.DEACTIVATE: N_("Re-validate")
    }  # the invalidation is deactivated: the certificate re-validated
    name = REVALIDATE_KIND
    title = N_("Certificate re-validations")
    input_columns = rosters.ROSTER_COLUMNS

    def decide(self, ctx: PlanContext, items: Sequence[Item]) -> list[Decision]:
        decisions, resolved = rosters.triage(items, ctx)
        certificates = certificates_by_user(ctx.course_id, [r.user.id for r in resolved])
        active = active_invalidations(c.id for c in certificates.values())
        decided = {}
        for r in resolved:
            key, label = str(r.user.id), rosters.learner_label(r.user)
            certificate = certificates.get(r.user.id)
            if certificate is not None and certificate.status in NO_CERTIFICATE_STATUSES:
                certificate = None
            invalidation = active.get(certificate.id) if certificate else None
            if certificate is None:
                decided[r.index] = Decision(Action.ERROR, key, label, "no_certificate", rule_message(NO_CERTIFICATE))
            elif invalidation is None:
                decided[r.index] = Decision(
                    Action.UNCHANGED,
                    key,
                    label,
                    "not_invalidated",
                    rule_message("certificate is not invalidated (already re-validated)"),
                )
            elif r.entry.mode == MODE_RESTORE_NOTES:
                decided[r.index] = (
                    Decision(
                        Action.UNCHANGED, key, label, "notes_equal", rule_message("invalidation notes already match")
                    )
                    if invalidation.notes == r.notes
                    else Decision(
                        Action.UPDATE,
                        key,
                        label,
                        "restore_notes",
                        rule_message("restore the previous notes"),
                        before={"notes": invalidation.notes},
                        after={"notes": r.notes},
                    )
                )
            else:
                restored = invalidation.status_before or str(CertificateStatus.NOTPASSING)
                decided[r.index] = Decision(
                    Action.DEACTIVATE,
                    key,
                    label,
                    message=rule_message(
                        "re-validate: the certificate goes back to {status} with its grade", status=restored
                    ),
                    before={"status": certificate.status, "grade": certificate.grade, "active": True},
                    after={"status": restored, "grade": invalidation.grade_before, "active": False},
                )
        return rosters.merge(decisions, decided)

    def apply(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
        certificates, active = _row_targets(ctx.require_course(), rows)
        for row in rows:
            invalidation = active[certificates[int(row.key)].id]
            if row.action == Action.DEACTIVATE:
                revalidate_certificate(invalidation)
            elif row.action == Action.UPDATE:
                invalidation.notes = rosters.notes_of(row)


# ------------------------------------------------------------------------------------------ entry points


def plan_upload(
    actor: User | None, course_key: str, stream: BinaryIO, filename: str | None, *, encoding: str = "utf-8"
) -> Plan:
    """Plan a bulk invalidation from an uploaded roster CSV (refused as a whole: CsvRefused)."""
    course = changing_course(actor, course_key)
    name = check_csv_filename(filename)
    if encoding not in ENCODINGS:
        raise CsvRefused(
            rule_message(
                "Unknown encoding {encoding}; choose one of {choices}.",
                encoding=repr(encoding),
                choices=", ".join(ENCODINGS),
            )
        )
    items = rosters.roster_source(stream, encoding=encoding)
    return plans.create_plan(INVALIDATE_KIND, items, actor=actor, course=course, source_name=name)


def _one_item(actor: User, course_key: str, identifier: str, notes: str) -> tuple[Course, Item]:
    course = changing_course(actor, course_key)
    identifier, notes = (identifier or "").strip(), (notes or "").strip()
    if not identifier:
        raise InputRefused(rule_message("Enter the learner's username or email."))
    return course, rosters.RosterEntry(identifier, notes).item(1)


@dataclass(frozen=True, slots=True)
class OnePreview:
    """The confirmation of a single invalidation: the course and the decided row (nothing written)."""

    course: Course
    decision: Decision

    @property
    def consequence(self) -> str:
        """What happens, in words: the certificate becomes unavailable, or the notes change."""
        before = self.decision.before or {}
        if self.decision.action == Action.UPDATE:
            old, new = before.get("notes") or "", (self.decision.after or {}).get("notes") or ""
            return rule_message("The invalidation's notes change from “{old}” to “{new}”", old=old, new=new)
        grade = before.get("grade")
        status = label_of(before.get("status"), CertificateStatus)
        if isinstance(grade, int | float):
            return rule_message(
                "The certificate ({status}) becomes unavailable to the learner; its grade {grade} is cleared; "
                "it stays on the invalidation list until someone re-validates it",
                status=status,
                grade=format(grade, "g"),
            )
        return rule_message(
            "The certificate ({status}) becomes unavailable to the learner; its grade is cleared; "
            "it stays on the invalidation list until someone re-validates it",
            status=status,
        )


def preview_invalidate_one(actor: User, course_key: str, identifier: str, notes: str = "") -> OnePreview:
    """What invalidating this learner's certificate will do (the confirmation page); writes nothing."""
    course, item = _one_item(actor, course_key, identifier, notes)
    decision = plans.decide_single(INVALIDATE_KIND, item, actor=actor, course=course, refuse_unchanged=True)
    return OnePreview(course, decision)


def invalidate_one(actor: User, course_key: str, identifier: str, notes: str = "") -> SingleResult:
    """Invalidate one learner's certificate through the same rules as the bulk upload (plans.run_single)."""
    course, item = _one_item(actor, course_key, identifier, notes)
    return plans.run_single(INVALIDATE_KIND, item, actor=actor, course=course, source_name="single learner")


def revalidate_one(actor: User, course_key: str, invalidation_id: int) -> SingleResult:
    """Re-validate the certificate of one invalidation of this course (restores the status before)."""
    course = changing_course(actor, course_key)
    invalidation = db.session.get(Invalidation, invalidation_id)
    if invalidation is None or invalidation.certificate.course_id != course.id:
        raise NotFound(
            rule_message("There is no invalidation #{id} in {course}.", id=invalidation_id, course=course_key)
        )
    if not invalidation.active:
        raise InputRefused(rule_message("Invalidation #{id} was already re-validated.", id=invalidation_id))
    item = _revalidate_item(1, invalidation.certificate.user, MODE_REVALIDATE, "")
    return plans.run_single(
        REVALIDATE_KIND, item, actor=actor, course=course, refuse_unchanged=True, source_name="single learner"
    )


# ------------------------------------------------------------------------------------------ list


@dataclass
class InvalidationRow:
    invalidation: Invalidation
    certificate: Certificate
    user: User
    invalidated_by: str

    @property
    def state(self) -> InvalidationState:
        return InvalidationState.ACTIVE if self.invalidation.active else InvalidationState.REVALIDATED


@dataclass
class InvalidationList:
    course: Course
    state: InvalidationState
    q: str
    counts: dict[InvalidationState, int]
    page: Page

    @property
    def rows(self) -> list[InvalidationRow]:
        return self.page.items


def _list_query(course: Course, q: str) -> Select:
    invalidator = aliased(User)  # made here, not at import: aliasing configures every mapper (~0.05 s at start-up)
    query = (
        select(Invalidation, Certificate, User, invalidator.username)
        .join(Certificate, Certificate.id == Invalidation.certificate_id)
        .join(User, User.id == Certificate.user_id)
        .outerjoin(invalidator, invalidator.id == Invalidation.invalidated_by_id)
        .where(Certificate.course_id == course.id)
    )
    if search_term(q):
        query = query.where(contains_text(q, User.username, User.email))
    return query


def _with_state(query: Select, state: str) -> Select:
    if state == InvalidationState.ACTIVE:
        return query.where(Invalidation.active.is_(True))
    if state == InvalidationState.REVALIDATED:
        return query.where(Invalidation.active.is_(False))
    return query


def _normal_state(state: str | None) -> InvalidationState:
    try:
        return InvalidationState(state or "all")
    except ValueError:
        return InvalidationState.ALL


def list_invalidations(
    actor: User, course_key: str, *, state: str | None = None, q: str = "", page: int = 1, per_page: int = 50
) -> InvalidationList:
    """The course's invalidations, newest first, searchable by username or email, with counts per state."""
    course = viewing_course(actor, course_key)
    q, state = (q or "").strip(), _normal_state(state)
    base = _list_query(course, q)
    grouped = _state_counts(base)
    result = paginate(
        _with_state(base, state).order_by(Invalidation.created.desc(), Invalidation.id.desc()),
        page,
        per_page,
        scalars=False,
    )
    result.items = [InvalidationRow(inv, cert, user, by or "") for inv, cert, user, by in result.items]
    return InvalidationList(course, state, q, grouped, result)


def _state_counts(base: Select) -> dict[InvalidationState, int]:
    rows = dict(
        db.session.execute(
            base.with_only_columns(Invalidation.active, func.count()).group_by(Invalidation.active)
        ).all()
    )
    active, inactive = rows.get(True, 0), rows.get(False, 0)
    return {
        InvalidationState.ALL: active + inactive,
        InvalidationState.ACTIVE: active,
        InvalidationState.REVALIDATED: inactive,
    }


EXPORT_HEADER = (
    "username",
    "email",
    "certificate_status",
    "status_before",
    "notes",
    "invalidated_by",
    "invalidated_at",
    "state",
)


def _iso(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def export_invalidations(
    actor: User, course_key: str, *, state: str | None = None, q: str = ""
) -> tuple[str, Iterator[list[str]]]:
    """File name and rows of the CSV download of the list as filtered (streamed)."""
    course = viewing_course(actor, course_key)
    state = _normal_state(state)
    query = (
        _with_state(_list_query(course, (q or "").strip()), state)
        .order_by(Invalidation.created.desc(), Invalidation.id.desc())
        .execution_options(yield_per=1000)
    )

    def rows() -> Iterator[list[str]]:
        for inv, cert, user, by in db.session.execute(query):
            yield [
                user.username,
                user.email,
                cert.status,
                inv.status_before,
                inv.notes,
                by or "",
                _iso(inv.created),
                InvalidationState.ACTIVE if inv.active else InvalidationState.REVALIDATED,
            ]

    return f"invalidations-{course.key}-{state.value}.csv", rows()
