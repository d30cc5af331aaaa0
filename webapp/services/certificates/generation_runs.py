"""Generating certificates (domain §1.7): "All Learners" and "For exceptions" runs and "Regenerate", each a
plan kind previewed then applied, and the generation history of a course.

Per learner, from the grade record and the enrollment mode: allowlisted → downloadable (an exception ignores
the grade); passing → downloadable (audit_passing for audit/honor); not passing → notpassing
(audit_notpassing); no grade record → skipped ("no grade yet"); an active invalidation → skipped
("invalidated"); the status it already has → unchanged. A generation run covers learners without a
certificate; "Regenerate" re-runs the same rules for learners who already hold one.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import AllowlistEntry, Certificate, Course, Enrollment, Plan, PlanRow, User
from webapp.models.enterprise import GradeRecord
from webapp.services import plans
from webapp.services.batching import chunks, insert_many
from webapp.services.certificates.common import (
    NO_CERTIFICATE_STATUSES,
    CertificateChangeKind,
    changing_course,
    invalidated_learners,
    rows_by_user,
)
from webapp.services.errors import InputRefused, ServiceError
from webapp.services.messages import N_, rule_message
from webapp.services.plans import Decision, Effect, Item, PlanContext
from webapp.statuses import (
    Action,
    CertificateStatus,
    EffectKind,
    EnrollmentMode,
    GenerationScope,
    PlanStatus,
    RowOutcome,
    label_of,
)
from webapp.timeutil import iso, utcnow

GENERATE_ALL_KIND = "certificates.generate_all"
GENERATE_EXCEPTIONS_KIND = "certificates.generate_exceptions"
REGENERATE_KIND = "certificates.regenerate"
GENERATION_KINDS = (GENERATE_ALL_KIND, GENERATE_EXCEPTIONS_KIND, REGENERATE_KIND)

AUDIT_MODES = frozenset({EnrollmentMode.AUDIT, EnrollmentMode.HONOR})
STATE = "generation_state"  # the PlanContext.cache key of the state the recompute read
# A certificate in these statuses is not "held": a generation run issues one (Regenerate skips them).
NOT_HELD = NO_CERTIFICATE_STATUSES | {CertificateStatus.ERROR}


@dataclass(slots=True)
class _State:
    modes: dict[int, str]  # actively enrolled learners -> mode
    grades: dict[int, tuple[float, bool]]  # user id -> (percent, passed)
    allowlisted: set[int]
    certificates: dict[int, tuple[str, float | None]]  # user id -> (status, grade)
    invalidated: set[int]
    certificate_ids: dict[int, int]  # user id -> certificate id
    covered: frozenset[int] = frozenset()  # the learners this state was read for


def _state(course: Course, user_ids: Sequence[int]) -> _State:
    """Everything the rules read about these learners, in a few batched queries."""
    modes = dict(
        rows_by_user(
            select(Enrollment.user_id, Enrollment.mode).where(
                Enrollment.course_id == course.id, Enrollment.is_active.is_(True)
            ),
            Enrollment.user_id,
            user_ids,
        )
    )
    grades = {
        user_id: (percent, bool(passed))
        for user_id, percent, passed in rows_by_user(
            select(GradeRecord.user_id, GradeRecord.percent, GradeRecord.passed).where(
                GradeRecord.course_key == course.key
            ),
            GradeRecord.user_id,
            user_ids,
        )
    }
    allowlisted = {
        user_id
        for (user_id,) in rows_by_user(
            select(AllowlistEntry.user_id).where(AllowlistEntry.course_id == course.id),
            AllowlistEntry.user_id,
            user_ids,
        )
    }
    certificates: dict[int, tuple[str, float | None]] = {}
    certificate_ids: dict[int, int] = {}
    for user_id, status, grade, cert_id in rows_by_user(
        select(Certificate.user_id, Certificate.status, Certificate.grade, Certificate.id).where(
            Certificate.course_id == course.id
        ),
        Certificate.user_id,
        user_ids,
    ):
        certificates[user_id] = (status, grade)
        certificate_ids[user_id] = cert_id
    invalidated = invalidated_learners(course, user_ids)
    return _State(modes, grades, allowlisted, certificates, invalidated, certificate_ids, frozenset(user_ids))


def _target(state: _State, user_id: int) -> tuple[str, float | None, bool] | str:
    """(status, grade, because of the exception) the learner's certificate should have, or a skip reason."""
    if user_id not in state.modes:
        return N_("not enrolled")
    if user_id in state.invalidated:
        return N_("invalidated")
    grade = state.grades.get(user_id)
    if user_id in state.allowlisted:
        return str(CertificateStatus.DOWNLOADABLE), grade[0] if grade else None, True
    if grade is None:
        return N_("no grade yet")
    percent, passed = grade
    audit = state.modes[user_id] in AUDIT_MODES
    if passed:
        status = CertificateStatus.AUDIT_PASSING if audit else CertificateStatus.DOWNLOADABLE
    else:
        status = CertificateStatus.AUDIT_NOTPASSING if audit else CertificateStatus.NOTPASSING
    return str(status), percent, False


BECAUSE_OF_EXCEPTION = N_("certificate exception (grade ignored)")
FROM_GRADE_RECORD = N_("from the grade record")


@functools.cache
def _label(status: str) -> str:
    return label_of(status, CertificateStatus)


@functools.cache
def _issued(status: str, grade: float | None) -> tuple[Effect, ...]:
    """The effect of issuing a certificate (shared by the rows that issue the same status and grade)."""
    if isinstance(grade, int | float):
        message = rule_message(
            "certificate issued as {status} (grade {grade})", status=_label(status), grade=format(grade, "g")
        )
    else:
        message = rule_message("certificate issued as {status} (no grade)", status=_label(status))
    return (Effect(EffectKind.CERTIFICATE_ISSUED, message),)


def _changed(held: str, status: str, grade: float | None) -> Effect:
    """The effect of changing the status of a certificate a learner holds."""
    if isinstance(grade, int | float):
        message = rule_message(
            "certificate {held} becomes {status} (grade {grade})",
            held=_label(held),
            status=_label(status),
            grade=format(grade, "g"),
        )
    else:
        message = rule_message(
            "certificate {held} becomes {status} (no grade)", held=_label(held), status=_label(status)
        )
    return Effect(EffectKind.CERTIFICATE_ISSUED, message)


class GenerationEntry(NamedTuple):
    """The typed payload of a generation row: the learner it covers (stored as `{"user_id", "label"}`)."""

    user_id: int
    label: str = ""  # the username when planned

    def to_data(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "label": self.label}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> GenerationEntry:
        return cls(int(data["user_id"]), str(data.get("label") or ""))


class _GenerationKind(CertificateChangeKind):
    """A generation run over the learners listed in its items (one per learner, a `GenerationEntry` payload)."""

    row_nouns = (N_("certificate"), N_("certificates"))
    input_columns = ("username",)
    regenerate = False
    skips_holders = True  # a learner who holds a certificate is left to "Regenerate"

    def decide(self, ctx: PlanContext, items: Sequence[Item]) -> list[Decision]:
        entries = [GenerationEntry.from_data(i.data) for i in items]
        state = _state(ctx.require_course(), [entry.user_id for entry in entries])
        ctx.cache[STATE] = state  # the apply that follows this recompute (same transaction) reads it again
        return [self._decide_one(state, item, entry) for item, entry in zip(items, entries, strict=True)]

    def _decide_one(self, state: _State, item: Item, entry: GenerationEntry) -> Decision:
        user_id, label = entry
        key, label = str(user_id), label or item.cells[0]
        current = state.certificates.get(user_id)
        held = current[0] if current is not None and current[0] not in NOT_HELD else None  # the status held
        if self.regenerate and held is None:
            return Decision(
                Action.SKIP, key, label, "no_certificate", rule_message("holds no certificate to regenerate")
            )
        if not self.regenerate and held is not None and self.skips_holders:
            return Decision(
                Action.SKIP,
                key,
                label,
                "has_certificate",
                rule_message("already has a certificate ({status}); use Regenerate", status=held),
            )
        target = _target(state, user_id)
        if isinstance(target, str):
            return Decision(Action.SKIP, key, label, target.replace(" ", "_"), target)
        status, grade, exception = target
        why = BECAUSE_OF_EXCEPTION if exception else FROM_GRADE_RECORD
        after = {"status": status, "grade": grade, **({"reason": BECAUSE_OF_EXCEPTION} if exception else {})}
        if current is None:
            return Decision(Action.CREATE, key, label, message=why, after=after, effects=_issued(status, grade))
        if current[0] == status and current[1] == grade:
            return Decision(
                Action.UNCHANGED, key, label, message=rule_message("already {status}", status=_label(status))
            )
        changed = _changed(current[0], status, grade)
        return Decision(
            Action.UPDATE,
            key,
            label,
            message=why,
            before={"status": current[0], "grade": current[1]},
            after=after,
            effects=[changed],
        )

    def apply(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
        """Issue or change the batch's certificates: one multi-row insert and one executemany update."""
        wanted = [int(r.key) for r in rows if r.action in (Action.CREATE, Action.UPDATE)]
        # apply() reads no `after`: the rules are re-run on the state the engine's recompute read, under the
        # apply's lock, in this transaction (the writes change certificates only, which the rules do not read);
        # a batch applied without that recompute (a row replayed alone after its batch failed) reads its own.
        state = ctx.cache.get(STATE)
        if not isinstance(state, _State) or not set(wanted) <= state.covered:
            state = _state(ctx.require_course(), wanted)
        existing = state.certificate_ids
        now = utcnow()
        new: list[tuple[Any, ...]] = []
        changed: list[dict[str, Any]] = []
        for user_id in wanted:
            target = _target(state, user_id)
            if isinstance(target, str):
                raise ServiceError(rule_message("learner #{id} is now skipped ({reason})", id=user_id, reason=target))
            status, grade, _ = target
            if user_id in existing:
                changed.append({"b_id": existing[user_id], "b_status": status, "b_grade": grade, "b_modified": now})
            else:
                new.append((user_id, ctx.course_id, status, grade, now, now))
        if new:
            insert_many(Certificate.__table__, ("user_id", "course_id", "status", "grade", "created", "modified"), new)
        if changed:
            table = Certificate.__table__
            db.session.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(status=bindparam("b_status"), grade=bindparam("b_grade"), modified=bindparam("b_modified")),
                changed,
            )


class GenerateAll(_GenerationKind):
    """Generate certificates for every actively enrolled learner without one."""

    name = GENERATE_ALL_KIND
    title = N_("Certificate generation (All Learners)")


class GenerateExceptions(_GenerationKind):
    """Generate certificates for allowlisted learners without a downloadable certificate."""

    name = GENERATE_EXCEPTIONS_KIND
    title = N_("Certificate generation (For exceptions)")
    skips_holders = False  # its learners hold no downloadable certificate: any other one is issued again


class Regenerate(_GenerationKind):
    """Re-run generation for learners in the scope who already hold a certificate."""

    name = REGENERATE_KIND
    title = N_("Certificate regeneration")
    regenerate = True


# ------------------------------------------------------------------------------------------- planning


def parse_scope(value: str | None) -> GenerationScope:
    try:
        return GenerationScope((value or "").strip().lower())
    except ValueError:
        choices = ", ".join(f"{s.value} ({s.label})" for s in GenerationScope)
        raise InputRefused(
            rule_message("Unknown scope {value}; choose one of: {choices}.", value=repr(value), choices=choices)
        ) from None


def _learners(course: Course, scope: GenerationScope, regenerate: bool) -> list[tuple[int, str]]:
    """The learners a run covers, by username: enrolled learners, or allowlisted ones without a downloadable
    certificate (domain §1.7); a regeneration for exceptions covers every allowlisted learner."""
    if scope == GenerationScope.ALL:
        query = (
            select(User.id, User.username)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.course_id == course.id, Enrollment.is_active.is_(True))
        )
    else:
        downloadable = select(Certificate.user_id).where(
            Certificate.course_id == course.id, Certificate.status == CertificateStatus.DOWNLOADABLE
        )
        query = (
            select(User.id, User.username)
            .join(AllowlistEntry, AllowlistEntry.user_id == User.id)
            .where(AllowlistEntry.course_id == course.id)
        )
        if not regenerate:
            query = query.where(User.id.not_in(downloadable))
    return [(user_id, username) for user_id, username in db.session.execute(query.order_by(User.username))]


def plan_generation(actor: User | None, course_key: str, scope: str, *, regenerate: bool = False) -> Plan:
    """Preview a generation run (nothing written until it is applied)."""
    course = changing_course(actor, course_key)
    selected = parse_scope(scope)
    if not current_app.config.get("CERTIFICATES_GENERATION_ENABLED", True):
        raise InputRefused(
            rule_message("Certificate generation is off for the whole platform (CERTIFICATES_GENERATION_ENABLED).")
        )
    users = _learners(course, selected, regenerate)
    if not users:
        raise InputRefused(
            rule_message(
                "There are no learners to cover in {course} ({scope}).", course=course.key, scope=selected.label
            )
        )
    items = [Item.of(n, [name], GenerationEntry(user_id, name)) for n, (user_id, name) in enumerate(users, start=1)]
    if regenerate:
        kind = REGENERATE_KIND
    else:
        kind = GENERATE_ALL_KIND if selected == GenerationScope.ALL else GENERATE_EXCEPTIONS_KIND
    verb = "Regenerate" if regenerate else "Generate"
    return plans.create_plan(
        kind,
        items,
        actor=actor,
        course=course,
        params={"scope": selected.value, "regenerate": regenerate},
        source_name=f"{verb} certificates: {selected.label}",
    )


# ------------------------------------------------------------------------------------------- history


@dataclass
class GenerationRun:
    plan: Plan
    scope: GenerationScope
    regenerated: bool

    @property
    def verb(self) -> str:
        return N_("Regenerated") if self.regenerated else N_("Generated")

    @property
    def who(self) -> str:
        user = self.plan.applied_by or self.plan.created_by
        return user.username if user else N_("command line")

    @property
    def when(self) -> datetime | None:
        return self.plan.applied


def generation_history(course: Course, limit: int = 20) -> list[GenerationRun]:
    """The course's applied generation runs, newest first (one query)."""
    found = db.session.scalars(
        select(Plan)
        .options(joinedload(Plan.applied_by), joinedload(Plan.created_by))
        .where(Plan.course_id == course.id, Plan.kind.in_(GENERATION_KINDS), Plan.status == PlanStatus.APPLIED)
        .order_by(Plan.applied.desc(), Plan.id.desc())
        .limit(limit)
    )
    runs = []
    for plan in found:
        params = plan.params or {}
        scope = GenerationScope(params.get("scope") or GenerationScope.ALL)
        runs.append(GenerationRun(plan, scope, bool(params.get("regenerate"))))
    return runs


def issued_by_exception(course: Course, user_ids: Sequence[int], since: str) -> dict[int, int]:
    """Learners (of these) whose certificate a generation run applied at or after `since` (ISO time) issued
    because of their exception: user id -> that generation plan's id (the latest)."""
    if not user_ids:
        return {}
    found: dict[int, int] = {}
    keys = [str(u) for u in user_ids]
    for batch in chunks(sorted(keys)):
        rows = db.session.execute(
            select(PlanRow.key, PlanRow.after, Plan.id, Plan.applied)
            .join(Plan, Plan.id == PlanRow.plan_id)
            .where(
                Plan.course_id == course.id,
                Plan.kind.in_(GENERATION_KINDS),
                Plan.status == PlanStatus.APPLIED,
                PlanRow.outcome == RowOutcome.APPLIED,
                PlanRow.key.in_(batch),
            )
            .order_by(Plan.id)
        )
        for key, after, plan_id, applied in rows:
            if since and applied is not None and iso(applied) < since:
                continue
            after = after or {}
            if after.get("reason") == BECAUSE_OF_EXCEPTION and after.get("status") == CertificateStatus.DOWNLOADABLE:
                found[int(key)] = plan_id
    return found
