"""Certificate exceptions (the allowlist, domain §1.2): add and remove from a roster CSV or one learner at
a time, revert an import, and list the allowlist.

Every write goes through the plan engine. The rules live once, in `decide_add` and `decide_remove`; the
three plan kinds (add, remove, revert of an import) and the one-learner forms all use them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy import delete, func, select
from sqlalchemy.orm import aliased, joinedload

from webapp.extensions import db
from webapp.models import AllowlistEntry, Certificate, Course, Enrollment, Plan, PlanRow, User
from webapp.services import learner_pages, permissions, plans, rosters
from webapp.services.batching import chunks, insert_many
from webapp.services.certificates import generation_runs
from webapp.services.certificates.common import (
    NO_CERTIFICATE_STATUSES,
    CertificateChangeKind,
    allowlist_by_user,
    certificates_by_user,
    changing_course,
    invalidated_learners,
    make_unavailable,
    rows_by_user,
    unavailable_effect,
)
from webapp.services.csvio import check_csv_filename
from webapp.services.errors import InputRefused, ServiceError
from webapp.services.messages import N_, rule_message
from webapp.services.pagination import Page, clamp, paginate
from webapp.services.plans import Decision, Effect, InversePlan, Item, PlanContext, SingleResult
from webapp.services.rosters import ROSTER_COLUMNS, Resolved, learner_label
from webapp.services.search import contains_text, search_term
from webapp.statuses import Action, CertificateStatus
from webapp.timeutil import iso, utcnow

ADD_KIND = "certificate_exceptions"
REMOVE_KIND = "certificate_exceptions_removal"
REVERT_KIND = "certificate_exceptions_revert"

OP_ADD = "add"
OP_REMOVE = "remove"


# ------------------------------------------------------------------------------------------- rules


@dataclass(slots=True)
class LearnerState:
    """What the rules need to know about the learners of a roster in one course (plain values, no ORM)."""

    enrolled: set[int]
    invalidated: set[int]  # users whose certificate has an active invalidation
    certified: dict[int, str]  # user id -> certificate status
    notes: dict[int, str]  # user id -> notes of their allowlist entry
    grades: dict[int, float | None]  # user id -> certificate grade


def learner_state(course: Course, user_ids: Sequence[int]) -> LearnerState:
    """Enrollment, certificate, invalidation and allowlist state of these learners, in a few batched reads."""
    enrolled = {
        user_id
        for (user_id,) in rows_by_user(
            select(Enrollment.user_id).where(Enrollment.course_id == course.id, Enrollment.is_active.is_(True)),
            Enrollment.user_id,
            user_ids,
        )
    }
    certified: dict[int, str] = {}
    grades: dict[int, float | None] = {}
    for user_id, status, grade in rows_by_user(
        select(Certificate.user_id, Certificate.status, Certificate.grade).where(
            Certificate.course_id == course.id, Certificate.status.not_in([str(s) for s in NO_CERTIFICATE_STATUSES])
        ),
        Certificate.user_id,
        user_ids,
    ):
        certified[user_id] = status
        grades[user_id] = grade
    invalidated = invalidated_learners(course, user_ids) if certified else set()
    notes = dict(
        rows_by_user(
            select(AllowlistEntry.user_id, AllowlistEntry.notes).where(AllowlistEntry.course_id == course.id),
            AllowlistEntry.user_id,
            user_ids,
        )
    )
    return LearnerState(enrolled, invalidated, certified, notes, grades)


LEARNER_STATE = "exceptions_learner_state"  # ctx.cache: the LearnerState of a surveyed roster's learners


def roster_state(ctx: PlanContext, resolved: Sequence[Resolved]) -> LearnerState:
    """The state the rules read for these rows. A surveyed roster (planned a batch at a time, nothing written
    in between) reads it once for every learner it names, on the first batch, instead of once per batch;
    otherwise it is read for these rows' learners."""
    surveyed: dict[int, int] | None = ctx.cache.get(rosters.LAST_ROWS)
    if surveyed is None:
        return learner_state(ctx.require_course(), [r.user.id for r in resolved])
    state = ctx.cache.get(LEARNER_STATE)
    if state is None:
        state = ctx.cache[LEARNER_STATE] = learner_state(ctx.require_course(), list(surveyed))
    return state


def decide_add(state: LearnerState, resolved: Sequence[Resolved]) -> dict[int, Decision]:
    """Domain §1.2, in order: unknown_learner (triage), not_enrolled, certificate_invalidated,
    then unchanged / update (notes old → new) / create. Decisions by item index."""
    decided: dict[int, Decision] = {}
    for r in resolved:
        user, notes = r.user, r.notes
        key, label = str(user.id), learner_label(user)
        old = state.notes.get(user.id)
        if user.id not in state.enrolled:
            decision = Decision(
                Action.ERROR, key, label, "not_enrolled", rule_message("learner is not enrolled in this course")
            )
        elif user.id in state.invalidated:
            decision = Decision(
                Action.ERROR,
                key,
                label,
                "certificate_invalidated",
                rule_message("learner's certificate is on the invalidation list; re-validate it first"),
            )
        elif old == notes:
            decision = Decision(
                Action.UNCHANGED, key, label, message=rule_message("already on the allowlist with these notes")
            )
        elif old is not None:
            decision = Decision(
                Action.UPDATE,
                key,
                label,
                message=rule_message("already on the allowlist; notes change"),
                before={"notes": old},
                after={"notes": notes},
            )
        else:
            decision = Decision(
                Action.CREATE,
                key,
                label,
                message=rule_message("added to the allowlist"),
            )  # the notes are in the row as written; no copy per created row
        decided[r.index] = decision
    return decided


def decide_restore_notes(course: Course, resolved: Sequence[Resolved]) -> dict[int, Decision]:
    """The undo of a notes update (domain §1.2 "Revert"): the entry gets its old notes back, whatever the
    add rules would say now (enrollment, invalidation); an entry removed since has nothing to restore."""
    notes_now = learner_state(course, [r.user.id for r in resolved]).notes
    decided: dict[int, Decision] = {}
    for r in resolved:
        key, label, old = str(r.user.id), learner_label(r.user), notes_now.get(r.user.id)
        if old is None:
            decided[r.index] = Decision(
                Action.SKIP,
                key,
                label,
                "not_on_allowlist",
                rule_message("no longer on the allowlist: no notes to restore"),
            )
        elif old == r.notes:
            decided[r.index] = Decision(
                Action.UNCHANGED, key, label, message=rule_message("the notes are already the old ones")
            )
        else:
            decided[r.index] = Decision(
                Action.UPDATE,
                key,
                label,
                message=rule_message("the notes the import changed get their old value back"),
                before={"notes": old},
                after={"notes": r.notes},
            )
    return decided


CERTIFICATE_STATUS = "certificate_status"  # before/after field: the certificate made unavailable by the row
CERTIFICATE_GRADE = "certificate_grade"


def _unavailable_change(state: LearnerState, user_id: int, old_notes: str) -> tuple[dict, dict]:
    """Before/after of a row that deletes the entry and makes the learner's certificate unavailable."""
    before = {
        "notes": old_notes,
        CERTIFICATE_STATUS: state.certified[user_id],
        CERTIFICATE_GRADE: state.grades[user_id],
    }
    after = {"notes": None, CERTIFICATE_STATUS: str(CertificateStatus.UNAVAILABLE), CERTIFICATE_GRADE: None}
    return before, after


def _unavailable_effect(state: LearnerState, user_id: int, generation_plan: int | None = None) -> Effect:
    return unavailable_effect(state.certified[user_id], state.grades.get(user_id), generation_plan)


def _would_change(state: LearnerState, user_id: int) -> bool:
    """Whether making the learner's certificate unavailable changes it (one exists, not already so)."""
    return user_id in state.certified and (
        state.certified[user_id] != CertificateStatus.UNAVAILABLE or state.grades.get(user_id) is not None
    )


def decide_remove(state: LearnerState, resolved: Sequence[Resolved]) -> dict[int, Decision]:
    """Domain §1.2 removal (the platform's `remove_allowlist_entry`): not_on_allowlist, else delete; a
    certificate is made unavailable first (grade cleared; status and grade kept on the row's before values).
    No invalidation is written: the learner may be added again at once."""
    decided: dict[int, Decision] = {}
    for r in resolved:
        user = r.user
        key, label = str(user.id), learner_label(user)
        old = state.notes.get(user.id)
        if old is None:
            decided[r.index] = Decision(
                Action.ERROR,
                key,
                label,
                "not_on_allowlist",
                rule_message("learner is not on the allowlist of this course"),
            )
            continue
        before: dict[str, Any] | None
        after: dict[str, Any] | None
        if _would_change(state, user.id):
            before, after = _unavailable_change(state, user.id, old)
            effects = [_unavailable_effect(state, user.id)]
            message = rule_message("removed from the allowlist (no invalidation: they may be added again)")
        else:
            before, after = ({"notes": old}, {"notes": None}) if old else (None, None)
            effects = []
            message = rule_message("removed from the allowlist")
        decided[r.index] = Decision(
            Action.DELETE, key, label, message=message, before=before, after=after, effects=effects
        )
    return decided


def decide_undo(
    course: Course, resolved: Sequence[Resolved], issued_by_exception: dict[int, int]
) -> dict[int, Decision]:
    """Revert of an import's created entry (domain §1.2 "Revert"): the entry is deleted; a certificate the
    learner already held is never touched; one issued afterwards because of the exception (generation plan
    id in `issued_by_exception`) is made unavailable, as removal does."""
    state = learner_state(course, [r.user.id for r in resolved])
    decided: dict[int, Decision] = {}
    for r in resolved:
        user = r.user
        key, label = str(user.id), learner_label(user)
        old = state.notes.get(user.id)
        if old is None:
            decided[r.index] = Decision(
                Action.UNCHANGED,
                key,
                label,
                "not_on_allowlist",
                rule_message("no longer on the allowlist; nothing to undo"),
            )
            continue
        generation_plan = issued_by_exception.get(user.id)
        if generation_plan is not None and state.certified.get(user.id) == CertificateStatus.DOWNLOADABLE:
            before, after = _unavailable_change(state, user.id, old)
            effects = [_unavailable_effect(state, user.id, generation_plan)]
            message = rule_message("the exception the import added is deleted")
        else:
            before, after = {"notes": old}, {"notes": None}
            effects = []
            message = rule_message("the exception the import added is deleted")
            if user.id in state.certified:
                message = rule_message(
                    "the exception the import added is deleted; their certificate ({status}) is not touched",
                    status=CertificateStatus(state.certified[user.id]).label,
                )
        decided[r.index] = Decision(
            Action.DELETE, key, label, message=message, before=before, after=after, effects=effects
        )
    return decided


# ------------------------------------------------------------------------------------------- writes


def _write_adds(ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
    course_id = ctx.course_id
    creates = [r for r in rows if r.action == Action.CREATE]
    updates = [r for r in rows if r.action == Action.UPDATE]
    if creates:
        actor_id = ctx.actor_id
        insert_many(
            AllowlistEntry.__table__,
            ("user_id", "course_id", "notes", "created", "created_by_id"),
            ((int(r.key), course_id, rosters.notes_of(r), ctx.now, actor_id) for r in creates),
        )
    if updates:
        entries = allowlist_by_user(course_id, [int(r.key) for r in updates])
        for r in updates:
            entry = entries.get(int(r.key))
            if entry is None:
                raise ServiceError(rule_message("the allowlist entry was removed meanwhile"))
            entry.notes = rosters.notes_of(r)


def _write_removals(ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
    """Delete the rows' entries; rows whose before values name a certificate make it unavailable first."""
    course_id = ctx.course_id
    user_ids = [int(r.key) for r in rows if r.action == Action.DELETE]
    if not user_ids:
        return
    entries = allowlist_by_user(course_id, user_ids)
    missing = set(user_ids) - set(entries)
    if missing:
        raise ServiceError(rule_message("the learner was removed from the allowlist meanwhile"))
    unavailable = {int(r.key) for r in rows if r.action == Action.DELETE and CERTIFICATE_STATUS in (r.before or {})}
    if unavailable:
        for certificate in certificates_by_user(course_id, unavailable).values():
            make_unavailable(certificate)
        db.session.flush()
    for batch in chunks(sorted(user_ids)):
        db.session.execute(
            delete(AllowlistEntry)
            .where(AllowlistEntry.course_id == course_id, AllowlistEntry.user_id.in_(batch))
            .execution_options(synchronize_session=False)
        )


# ------------------------------------------------------------------------------------------- kinds


class AddExceptions(CertificateChangeKind):
    """Grant certificate exceptions to the learners of a roster (create or update notes)."""

    row_nouns = (N_("exception"), N_("exceptions"))
    name = ADD_KIND
    title = N_("Certificate exceptions")
    input_columns = ROSTER_COLUMNS
    batched = True  # an upload is planned a batch at a time (rosters.survey finds the duplicates first)

    def survey(self, ctx: PlanContext, items: Iterable[Item]) -> int:
        return rosters.survey(ctx, items)

    def decide(self, ctx: PlanContext, items: Sequence[Item]) -> list[Decision]:
        shared, resolved = rosters.triage(items, ctx)
        return rosters.merge(shared, decide_add(roster_state(ctx, resolved), resolved))

    def apply(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
        _write_adds(ctx, rows)

    def inverse(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> InversePlan:
        """Created entries are removed; updated entries get their old notes back."""
        wanted = [
            (r, OP_REMOVE, "") if r.action == Action.CREATE else (r, OP_ADD, (r.before or {}).get("notes", ""))
            for r in rows
            if r.action in (Action.CREATE, Action.UPDATE)
        ]
        users = {
            u.id: u
            for batch in chunks(sorted({int(r.key) for r, _, _ in wanted}))
            for u in db.session.scalars(select(User).where(User.id.in_(batch)))
        }
        items = []
        for r, op, notes in wanted:
            user = users.get(int(r.key))
            identifier = rosters.identifier_for(user) if user else rosters.identifier_of(r)
            items.append(rosters.RosterEntry(identifier, notes, op=op).item(r.row_number))
        since = iso(ctx.plan.applied) if ctx.plan is not None and ctx.plan.applied else ""
        return InversePlan(REVERT_KIND, items, {"since": since})


class RemoveExceptions(CertificateChangeKind):
    """Remove certificate exceptions of the learners of a roster; certificates are made unavailable first."""

    row_nouns = (N_("exception"), N_("exceptions"))
    name = REMOVE_KIND
    title = N_("Removal of certificate exceptions")
    input_columns = ROSTER_COLUMNS
    batched = True  # an upload is planned a batch at a time (rosters.survey finds the duplicates first)

    def survey(self, ctx: PlanContext, items: Iterable[Item]) -> int:
        return rosters.survey(ctx, items)

    def decide(self, ctx: PlanContext, items: Sequence[Item]) -> list[Decision]:
        shared, resolved = rosters.triage(items, ctx)
        return rosters.merge(shared, decide_remove(roster_state(ctx, resolved), resolved))

    def apply(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
        _write_removals(ctx, rows)


class RevertExceptions(CertificateChangeKind):
    """The undo of an applied import: deletes the entries it created, restores the notes it changed; touches a
    certificate only when a generation run issued it because of the exception (made unavailable)."""

    row_nouns = (N_("exception"), N_("exceptions"))
    name = REVERT_KIND
    title = N_("Revert of certificate exceptions")
    input_columns = ROSTER_COLUMNS

    def decide(self, ctx: PlanContext, items: Sequence[Item]) -> list[Decision]:
        shared, resolved = rosters.triage(items, ctx)
        restores = [r for r in resolved if r.entry.op == OP_ADD]
        removes = [r for r in resolved if r.entry.op != OP_ADD]
        course = ctx.require_course()
        issued = generation_runs.issued_by_exception(
            course, [r.user.id for r in removes], ctx.params.get("since") or ""
        )
        restored = decide_restore_notes(course, restores)
        return rosters.merge(shared, {**restored, **decide_undo(course, removes, issued)})

    def apply(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
        _write_adds(ctx, [r for r in rows if r.action != Action.DELETE])
        _write_removals(ctx, [r for r in rows if r.action == Action.DELETE])


# ------------------------------------------------------------------------------------------- uploads


def plan_upload(
    actor: User | None,
    course_key: str,
    stream: BinaryIO,
    filename: str | None,
    *,
    encoding: str = "utf-8",
    removal: bool = False,
) -> Plan:
    """Plan a roster upload (grant, or remove with `removal`): check the course and file, then preview."""
    course = changing_course(actor, course_key)
    name = check_csv_filename(filename)
    with plans.bulk_work():  # reading 100,000 rows: see plans.bulk_work
        return plans.create_plan(
            REMOVE_KIND if removal else ADD_KIND,
            rosters.roster_source(stream, encoding=encoding),
            actor=actor,
            course=course,
            params={"encoding": encoding},
            source_name=name,
        )


# ------------------------------------------------------------------------------------------- one learner


def _one_learner(actor: User | None, course_key: str, kind_name: str, identifier: str, notes: str) -> SingleResult:
    """One learner through the kind's own rules as a one-row plan (plans.run_single): done, or refused."""
    course = changing_course(actor, course_key)
    identifier, notes = (identifier or "").strip(), (notes or "").strip()
    if not identifier:
        raise InputRefused(rule_message("Enter a username or email."))
    item = rosters.RosterEntry(identifier, notes).item(1)
    return plans.run_single(kind_name, item, actor=actor, course=course, source_name="one learner (form)")


def add_exception(actor: User | None, course_key: str, identifier: str, notes: str = "") -> SingleResult:
    """Grant one learner an exception (same rules as the upload)."""
    return _one_learner(actor, course_key, ADD_KIND, identifier, notes)


def remove_exception(actor: User | None, course_key: str, identifier: str) -> SingleResult:
    """Remove one learner's exception; their certificate is made unavailable first."""
    return _one_learner(actor, course_key, REMOVE_KIND, identifier, "")


@dataclass
class RemovalPreview:
    """What removing one learner will do, for the confirmation page."""

    course: Course
    entry: AllowlistEntry
    parts: tuple[str, ...]  # the row's message and its side effects' messages, stored English (pages translate)

    @property
    def message(self) -> str:
        return "; ".join(self.parts)

    @property
    def identifier(self) -> str:
        """What names this learner (and no one else) to `remove_exception`."""
        return rosters.identifier_for(self.entry.user)


def removal_preview(actor: User | None, course_key: str, user_id: int) -> RemovalPreview:
    course = changing_course(actor, course_key)
    entry = allowlist_by_user(course.id, [user_id]).get(user_id)
    if entry is None:
        raise InputRefused(rule_message("This learner is not on the allowlist of this course (any more)."))
    item = rosters.learner_items([(rosters.identifier_for(entry.user), "")])
    ctx = PlanContext(actor=actor, course=course, params={}, now=utcnow())
    (decision,) = list(plans.get_kind(REMOVE_KIND).decide(ctx, item))
    return RemovalPreview(course, entry, (decision.message, *(e.message for e in decision.effects)))


# ------------------------------------------------------------------------------------------- listing


def _allowlist_query(course: Course, q: str = ""):
    query = (
        select(AllowlistEntry)
        .join(User, User.id == AllowlistEntry.user_id)
        .where(AllowlistEntry.course_id == course.id)
    )
    if search_term(q):
        query = query.where(contains_text(q, User.username, User.email))
    return query.order_by(func.lower(User.username))


def allowlist_page(
    actor: User | None, course_key: str, *, q: str = "", page: int = 1, per_page: int = 50
) -> tuple[Course, Page]:
    """One page of the course's allowlist, optionally searched by username or email (a long list that names
    most users is read by walking the users: `learner_pages`)."""
    course = permissions.course_for(actor, course_key)
    query = _allowlist_query(course, q).options(joinedload(AllowlistEntry.user), joinedload(AllowlistEntry.created_by))
    if search_term(q):
        return course, paginate(query, page, per_page)
    total = db.session.scalar(select(func.count()).where(AllowlistEntry.course_id == course.id)) or 0
    page, per_page = clamp(total, page, per_page)
    if not learner_pages.walks_users(total):
        items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
        return course, Page(list(items), page, per_page, total)
    listed = select(AllowlistEntry.id).where(AllowlistEntry.user_id == User.id, AllowlistEntry.course_id == course.id)
    ids = learner_pages.user_ids_in_order(listed.exists(), page, per_page)
    items = db.session.scalars(query.where(AllowlistEntry.user_id.in_(ids))).all() if ids else []
    return course, Page(list(items), page, per_page, total)


ALLOWLIST_COLUMNS = ("username", "email", "full_name", "notes", "created", "created_by")


def allowlist_csv(actor: User | None, course_key: str) -> tuple[Course, list[str], Iterator[list[str]]]:
    """The whole allowlist as CSV rows (streamed in batches)."""
    course = permissions.course_for(actor, course_key)
    creator = aliased(User)
    query = (
        select(
            User.username, User.email, User.full_name, AllowlistEntry.notes, AllowlistEntry.created, creator.username
        )
        .join(User, User.id == AllowlistEntry.user_id)
        .outerjoin(creator, creator.id == AllowlistEntry.created_by_id)
        .where(AllowlistEntry.course_id == course.id)
        .order_by(func.lower(User.username))
        .execution_options(yield_per=1000)
    )

    def rows() -> Iterator[list[str]]:
        for username, email, full_name, notes, created, by in db.session.execute(query):
            yield [username, email, full_name, notes, iso(created) if created else "", by or ""]

    return course, list(ALLOWLIST_COLUMNS), rows()
