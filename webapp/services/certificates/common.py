"""Certificate primitives shared by exceptions, invalidations and generation: who may change certificates,
batched lookups, make unavailable, invalidate, re-validate."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from flask import current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AllowlistEntry, Certificate, Course, Invalidation, User
from webapp.services import permissions, plans
from webapp.services.batching import chunks
from webapp.services.messages import rule_message
from webapp.services.plans import Effect
from webapp.statuses import CertificateStatus, EffectKind

# Certificates in these statuses count as none (domain §1.4: the platform ignores deleted ones).
NO_CERTIFICATE_STATUSES = frozenset({CertificateStatus.DELETED, CertificateStatus.DELETING})


def changing_course(actor: User | None, course_key: str) -> Course:
    """The course, if the actor may change its certificates (domain §0); `None` is the trusted command line."""
    return permissions.require_certificate_changes(actor, permissions.get_course(course_key))


def viewing_course(actor: User | None, course_key: str) -> Course:
    """The course, if the actor may see it (any course role or global staff)."""
    return permissions.course_for(actor, course_key)


class CertificateChangeKind(plans.PlanKind):
    """A plan kind that changes certificates: global staff or the course's instructors only (domain §0)."""

    def authorize(self, actor: User | None, course: Course | None) -> None:
        super().authorize(actor, course)
        if course is not None:
            permissions.require_certificate_changes(actor, course)


COURSE_WIDE_FROM = 2000  # default of CERTIFICATES_COURSE_WIDE_FROM: from this many learners on, one course-wide read


def rows_by_user(query, user_column, user_ids: Sequence[int]) -> Iterator[tuple]:
    """Rows of a course-scoped query for these users: IN batches for a few, one course-wide scan for many
    (a 100,000-row roster over a course of that size needs one query, not 112)."""
    wanted = set(user_ids)
    if not wanted:
        return
    if len(wanted) >= int(current_app.config.get("CERTIFICATES_COURSE_WIDE_FROM", COURSE_WIDE_FROM)):
        yield from (row for row in db.session.execute(query) if row[0] in wanted)
        return
    for batch in chunks(sorted(wanted)):
        yield from db.session.execute(query.where(user_column.in_(batch)))


def invalidated_learners(course: Course, user_ids: Sequence[int]) -> set[int]:
    """Which of these learners hold a certificate of the course with an active invalidation."""
    query = (
        select(Certificate.user_id)
        .join(Invalidation, Invalidation.certificate_id == Certificate.id)
        .where(Certificate.course_id == course.id, Invalidation.active.is_(True))
    )
    return {user_id for (user_id,) in rows_by_user(query, Certificate.user_id, user_ids)}


def certificates_by_user(course_id: int, user_ids: Iterable[int]) -> dict[int, Certificate]:
    """The course's certificates of these learners, by user id (batched IN queries)."""
    found: dict[int, Certificate] = {}
    for batch in chunks(sorted(set(user_ids))):
        for cert in db.session.scalars(
            select(Certificate).where(Certificate.course_id == course_id, Certificate.user_id.in_(batch))
        ):
            found[cert.user_id] = cert
    return found


def allowlist_by_user(course_id: int, user_ids: Iterable[int]) -> dict[int, AllowlistEntry]:
    """The course's allowlist entries of these learners, by user id (batched IN queries)."""
    found: dict[int, AllowlistEntry] = {}
    for batch in chunks(sorted(set(user_ids))):
        for entry in db.session.scalars(
            select(AllowlistEntry).where(AllowlistEntry.course_id == course_id, AllowlistEntry.user_id.in_(batch))
        ):
            found[entry.user_id] = entry
    return found


def active_invalidations(certificate_ids: Iterable[int]) -> dict[int, Invalidation]:
    """The active invalidation of each of these certificates, by certificate id."""
    found: dict[int, Invalidation] = {}
    for batch in chunks(sorted(set(certificate_ids))):
        for invalidation in db.session.scalars(
            select(Invalidation).where(Invalidation.certificate_id.in_(batch), Invalidation.active.is_(True))
        ):
            found[invalidation.certificate_id] = invalidation
    return found


def make_unavailable(certificate: Certificate) -> None:
    """The platform's `invalidate()`: status `unavailable`, grade cleared (no invalidation record)."""
    certificate.status = CertificateStatus.UNAVAILABLE
    certificate.grade = None


def invalidate_certificate(certificate: Certificate, *, by: User | None, notes: str) -> Invalidation:
    """Invalidate: record the status and grade held before, make the certificate unavailable."""
    invalidation = Invalidation(
        certificate_id=certificate.id,
        invalidated_by_id=by.id if by else None,
        notes=notes,
        active=True,
        status_before=certificate.status,
        grade_before=certificate.grade,
    )
    make_unavailable(certificate)
    db.session.add(invalidation)
    return invalidation


def revalidate_certificate(invalidation: Invalidation) -> None:
    """Re-validate: the invalidation becomes inactive (kept for history); status and grade before come back."""
    invalidation.active = False
    certificate = invalidation.certificate
    certificate.status = invalidation.status_before or CertificateStatus.NOTPASSING
    certificate.grade = invalidation.grade_before


def unavailable_effect(status: str, grade: float | None, generation_plan: int | None = None) -> Effect:
    """The side effect of making a certificate unavailable, naming its status label and grade (and the
    generation plan that issued it because of an exception, when there is one)."""
    label = CertificateStatus(status).label
    graded = isinstance(grade, int | float)
    if generation_plan is not None:
        message = (
            rule_message(
                "certificate {status} (grade {grade}), issued by generation plan #{plan} because of the exception, "
                "becomes unavailable; grade cleared",
                status=label,
                grade=format(grade, "g"),
                plan=generation_plan,
            )
            if graded
            else rule_message(
                "certificate {status} (no grade), issued by generation plan #{plan} because of the exception, "
                "becomes unavailable; grade cleared",
                status=label,
                plan=generation_plan,
            )
        )
    elif graded:
        message = rule_message(
            "certificate {status} (grade {grade}) becomes unavailable; grade cleared",
            status=label,
            grade=format(grade, "g"),
        )
    else:
        message = rule_message("certificate {status} (no grade) becomes unavailable; grade cleared", status=label)
    return Effect(EffectKind.CERTIFICATE_UNAVAILABLE, message)
