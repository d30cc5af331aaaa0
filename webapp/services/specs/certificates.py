"""Data-spec entities of the certificates capability: certificates, allowlist, invalidations (domain §5).

An active invalidation holds the certificate at `unavailable` and remembers the status before; the spec
names the certificate's real status, so `certificates` compares and writes that remembered status while
an invalidation is active. Loading the same spec twice therefore changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AllowlistEntry, Certificate, Invalidation
from webapp.services.certificates.common import active_invalidations, make_unavailable, revalidate_certificate
from webapp.services.specs.base import Entity, Field, Key, Resolver
from webapp.services.specs.core import _UserCourseEntity, course_ids, rows_of_users, user_ids
from webapp.statuses import CertificateStatus

_SPEC_STATUS = "_spec_status"  # the status the spec sees on a loaded certificate
_SPEC_GRADE = "_spec_grade"  # the grade the spec sees (an invalidated certificate keeps it on the invalidation)


class Certificates(_UserCourseEntity):
    key = "certificates"
    model = Certificate
    fields = (
        Field("username", required=True),
        Field("course", "course_key", required=True),
        Field("status", "choice", required=True, choices=tuple(s.value for s in CertificateStatus)),
        Field("grade", "float", minimum=0, maximum=1),
        Field("created", "datetime"),
    )

    def load(self, keys: Sequence[Key]) -> dict[Key, Any]:
        found = super().load(keys)
        invalidated = active_invalidations(c.id for c in found.values())
        for cert in found.values():
            invalidation = invalidated.get(cert.id)
            setattr(cert, _SPEC_STATUS, invalidation.status_before if invalidation else cert.status)
            setattr(cert, _SPEC_GRADE, invalidation.grade_before if invalidation else cert.grade)
        return found

    def snapshot(self, row: Certificate) -> dict[str, Any]:
        return {
            "status": getattr(row, _SPEC_STATUS, row.status),
            "grade": getattr(row, _SPEC_GRADE, row.grade),
            "created": row.created.replace(microsecond=0).isoformat() if row.created else None,
        }

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in super().comparable(values).items() if k not in ("username", "course")}

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        self.prefetch(rows, resolver)
        invalidated = active_invalidations(c.id for _, c in rows if c is not None)
        for values, cert in rows:
            if cert is None:
                cert = Certificate(status=values["status"], **self.ids(values, resolver))
                db.session.add(cert)
            elif cert.id in invalidated:
                invalidated[cert.id].status_before = values["status"]  # stays unavailable while invalidated
                if "grade" in values:
                    invalidated[cert.id].grade_before = values["grade"]  # the grade stays cleared meanwhile
                    values = {k: v for k, v in values.items() if k != "grade"}
            else:
                cert.status = values["status"]
            if "grade" in values:
                cert.grade = values["grade"]
            if values.get("created"):
                cert.created = values["created"]
        resolver.forget(self.key)


class Allowlist(_UserCourseEntity):
    key = "allowlist"
    model = AllowlistEntry
    fields = (
        Field("username", required=True),
        Field("course", "course_key", required=True),
        Field("notes", default=""),
    )

    def snapshot(self, row: AllowlistEntry) -> dict[str, Any]:
        return {"notes": row.notes}

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        return {"notes": values["notes"]}

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        self.prefetch(rows, resolver)
        for values, entry in rows:
            if entry is None:
                db.session.add(AllowlistEntry(notes=values["notes"], **self.ids(values, resolver)))
            else:
                entry.notes = values["notes"]


class Invalidations(Entity):
    """The latest invalidation of a learner's certificate in a course, keyed by (username, course)."""

    key = "invalidations"
    fields = (
        Field("username", required=True),
        Field("course", "course_key", required=True),
        Field("notes", default=""),
        Field("active", "bool", default=True),
        Field("invalidated_by"),
    )

    def natural_key(self, values: dict[str, Any]) -> Key:
        return (values["username"].lower(), values["course"])

    def references(self, values: dict[str, Any]) -> list[tuple[str, Key, str]]:
        key = self.natural_key(values)
        refs = [
            ("users", (key[0],), "username"),
            ("courses", (key[1],), "course"),
            ("certificates", key, "certificate of"),
        ]
        if values.get("invalidated_by"):
            refs.append(("users", (values["invalidated_by"].lower(),), "invalidated_by"))
        return refs

    def load(self, keys: Sequence[Key]) -> dict[Key, Any]:
        wanted = set(keys)
        users = user_ids(k[0] for k in wanted)
        courses = course_ids(k[1] for k in wanted)
        found: dict[Key, Any] = {}
        query = (
            select(Invalidation, Certificate.user_id, Certificate.course_id)
            .join(Certificate, Certificate.id == Invalidation.certificate_id)
            .order_by(Invalidation.id)
        )
        for invalidation, user_id, course_id in rows_of_users(
            query, Certificate.user_id, users, Certificate.course_id, courses
        ):
            key = (users[user_id], courses.get(course_id, ""))
            if key in wanted:
                found[key] = invalidation  # the latest wins (ordered by id within each batch of users)
        return found

    def snapshot(self, row: Invalidation) -> dict[str, Any]:
        by = row.invalidated_by
        return {"notes": row.notes, "active": row.active, "invalidated_by": by.username.lower() if by else None}

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        by = values.get("invalidated_by")
        return {"notes": values["notes"], "active": values["active"], "invalidated_by": by.lower() if by else None}

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        resolver.forget("certificates")
        resolver.prefetch("certificates", [self.natural_key(v) for v, _ in rows])
        resolver.prefetch("users", [(v["invalidated_by"].lower(),) for v, _ in rows if v.get("invalidated_by")])
        for values, invalidation in rows:
            by = values.get("invalidated_by")
            by_id = resolver.get("users", (by.lower(),)).id if by else None
            cert = resolver.get("certificates", self.natural_key(values))
            if invalidation is None:
                invalidation = Invalidation(
                    certificate_id=cert.id,
                    notes=values["notes"],
                    active=False,
                    invalidated_by_id=by_id,
                    status_before=cert.status,
                    grade_before=cert.grade,
                )
                db.session.add(invalidation)
            invalidation.notes = values["notes"]
            invalidation.invalidated_by_id = by_id
            if values["active"] and not invalidation.active:
                invalidation.status_before, invalidation.grade_before = cert.status, cert.grade
                invalidation.active = True
                make_unavailable(cert)  # the platform's invalidate(): unavailable, grade cleared
            elif not values["active"] and invalidation.active:
                invalidation.certificate = cert
                revalidate_certificate(invalidation)
