"""Certificate primitives shared by exceptions and invalidations: batched lookups, invalidate, re-validate."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AllowlistEntry, Certificate, Invalidation, User
from webapp.services.batching import chunks
from webapp.statuses import CertificateStatus

REMOVED_FROM_ALLOWLIST = "removed from allowlist"


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


def invalidate_certificate(certificate: Certificate, *, by: User | None, notes: str) -> Invalidation:
    """Invalidate: record the status held before, set the certificate `unavailable`."""
    invalidation = Invalidation(
        certificate_id=certificate.id,
        invalidated_by_id=by.id if by else None,
        notes=notes,
        active=True,
        status_before=certificate.status,
    )
    certificate.status = CertificateStatus.UNAVAILABLE
    db.session.add(invalidation)
    return invalidation


def revalidate_certificate(invalidation: Invalidation) -> None:
    """Re-validate: the invalidation becomes inactive (kept for history); the status before comes back."""
    invalidation.active = False
    certificate = invalidation.certificate
    certificate.status = invalidation.status_before or CertificateStatus.NOTPASSING
