"""Data-spec entities of the foundation: users, courses, course_staff, enrollments."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Select, func, select

from webapp.extensions import db
from webapp.models import Course, CourseStaff, Enrollment, User
from webapp.services.batching import chunks, in_batch_size
from webapp.services.messages import N_, rule_message
from webapp.services.specs.base import Entity, Field, Key, Resolver
from webapp.statuses import CourseRole, EnrollmentMode, Pacing
from webapp.timeutil import iso, utcnow

PASSWORD_MASK = "••••••"
NEW_PASSWORD = N_("(new password)")  # the after-value of a changed password in a plan row's diff
REDACTED = "(redacted)"  # a password that must not be stored in clear: {REDACTED: what it was}


class Users(Entity):
    key = "users"
    fields = (
        Field("username", required=True),
        Field("email", "email", required=True),
        Field("full_name", default=""),
        Field("password"),  # never stored: the loader replaces it with password_hash before planning
        Field("password_hash"),
        Field("is_staff", "bool", default=False),
        Field("is_active", "bool", default=True),
    )

    def clean(self, entry: Any) -> tuple[dict[str, Any], list[str]]:
        """As every entity, but a redacted password is an error and a clear one never reaches the values."""
        redacted = isinstance(entry, dict) and isinstance(entry.get("password"), dict)
        if redacted:
            what = entry["password"].get(REDACTED, "")
            entry = {k: v for k, v in entry.items() if k != "password"}
        values, errors = super().clean(entry)
        if redacted:
            errors.append(
                rule_message(
                    "field 'password' was redacted (it was stored in clear by an older version); plan the load again"
                )
                if what == "migration"
                else rule_message("field {name} must be text, not {kind}", name=repr("password"), kind=what)
            )
        if values.pop("password", None):  # the loader hashes passwords before planning; this is a caller's bug
            errors.append(
                rule_message("field 'password' reached the plan in clear; load the spec with `flask data load`")
            )
        return values, errors

    def natural_key(self, values: dict[str, Any]) -> Key:
        return (values["username"].lower(),)

    def load(self, keys: Sequence[Key]) -> dict[Key, Any]:
        found: dict[Key, Any] = {}
        for batch in chunks([k[0] for k in keys]):
            for user in db.session.scalars(select(User).where(func.lower(User.username).in_(batch))):
                found[(user.username.lower(),)] = user
        return found

    def snapshot(self, row: User) -> dict[str, Any]:
        return {
            "username": row.username,
            "email": row.email,
            "full_name": row.full_name,
            "is_staff": row.is_staff,
            "is_active": row.is_active,
        }

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        wanted = {k: v for k, v in values.items() if k not in ("password", "password_hash")}
        wanted["username"] = values["username"]
        return wanted

    def diff(self, existing: Any, values: dict[str, Any]) -> tuple[dict, dict]:
        before, after = super().diff(existing, values)
        # Usernames match case-insensitively; the stored casing is kept.
        before.pop("username", None)
        after.pop("username", None)
        if values.get("password_hash") and values["password_hash"] != existing.password_hash:
            before["password"], after["password"] = PASSWORD_MASK, NEW_PASSWORD
        return before, after

    def batch_errors(self, entries: list[dict[str, Any]], existing: dict[Key, Any]) -> dict[int, str]:
        """An email already used by another user is an error (emails are unique case-insensitively)."""
        owners: dict[str, str] = {}
        emails = [e["email"].lower() for e in entries]
        for batch in chunks(emails):
            for username, email in db.session.execute(
                select(User.username, User.email).where(func.lower(User.email).in_(batch))
            ):
                owners[email.lower()] = username.lower()
        errors: dict[int, str] = {}
        for index, entry in enumerate(entries):
            owner = owners.get(entry["email"].lower())
            if owner is not None and owner != entry["username"].lower():
                errors[index] = rule_message(
                    "email {email} is already used by user {owner}", email=entry["email"], owner=owner
                )
        return errors

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        created = []
        for values, user in rows:
            fields = {
                "email": values["email"],
                "full_name": values["full_name"],
                "is_staff": values["is_staff"],
                "is_active": values["is_active"],
            }
            if user is None:
                created.append(
                    {
                        **fields,
                        "username": values["username"],
                        "created": utcnow(),
                        "password_hash": values.get("password_hash") or "",
                        "session_token": secrets.token_hex(16),
                    }
                )
                continue
            for name, value in fields.items():
                setattr(user, name, value)
            if values.get("password_hash"):
                user.password_hash = values["password_hash"]
        if created:  # one multi-row INSERT instead of one ORM object per user
            db.session.execute(User.__table__.insert(), created)
        resolver.forget(self.key)


def _users_by_name(names: set[str]) -> dict[str, User]:
    return {key[0]: user for key, user in Users().load([(n,) for n in names]).items()}


def user_ids(names: Iterable[str]) -> dict[int, str]:
    """User id -> lower-cased username, for these lower-cased usernames (IN batches over the username index)."""
    found: dict[int, str] = {}
    for batch in chunks(sorted(set(names))):
        query = select(User.id, User.username).where(func.lower(User.username).in_(batch))
        found.update((user_id, username.lower()) for user_id, username in db.session.execute(query))
    return found


def course_ids(keys: Iterable[str]) -> dict[int, str]:
    """Course id -> course key, for these course keys (IN batches)."""
    found: dict[int, str] = {}
    for batch in chunks(sorted(set(keys))):
        query = select(Course.id, Course.key).where(Course.key.in_(batch))
        found.update((course_id, key) for course_id, key in db.session.execute(query))
    return found


def rows_of_users(
    query: Select, user_column: Any, ids: Iterable[int], narrow: Any = None, values: Any = ()
) -> Iterator[Any]:
    """Rows of `query` for these user ids, in IN batches of ids (each batch one statement over the user index),
    also narrowed by `narrow IN values` when those are few enough to keep the statement bounded (the caller
    checks each row's natural key in any case). How entities keyed by username look their rows up: no
    row-value IN over joins."""
    values = sorted(set(values))
    for batch in chunks(sorted(set(ids))):
        batch_query = query.where(user_column.in_(batch))
        if narrow is not None and len(values) <= in_batch_size():
            batch_query = batch_query.where(narrow.in_(values))
        yield from db.session.execute(batch_query)


class Courses(Entity):
    key = "courses"
    fields = (
        Field("id", "course_key", required=True),
        Field("name", required=True),
        Field("pacing", "choice", default=Pacing.INSTRUCTOR.value, choices=tuple(p.value for p in Pacing)),
        Field("start", "datetime"),
        Field("end", "datetime"),
        Field("certificates_enabled", "bool", default=True),
    )

    def natural_key(self, values: dict[str, Any]) -> Key:
        return (values["id"],)

    def extra_errors(self, values: dict[str, Any]) -> list[str]:
        if values.get("start") and values.get("end") and values["end"] < values["start"]:
            return ["field 'end' is before field 'start'"]
        return []

    def load(self, keys: Sequence[Key]) -> dict[Key, Any]:
        found: dict[Key, Any] = {}
        for batch in chunks([k[0] for k in keys]):
            for course in db.session.scalars(select(Course).where(Course.key.in_(batch))):
                found[(course.key,)] = course
        return found

    def snapshot(self, row: Course) -> dict[str, Any]:
        return {
            "id": row.key,
            "name": row.name,
            "pacing": row.pacing,
            "start": iso(row.start)[:-1] if row.start else None,
            "end": iso(row.end)[:-1] if row.end else None,
            "certificates_enabled": row.certificates_enabled,
        }

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        wanted = super().comparable(values)
        wanted.setdefault("start", None)
        wanted.setdefault("end", None)
        return wanted

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        for values, course in rows:
            if course is None:
                course = Course(key=values["id"])
                db.session.add(course)
            course.name = values["name"]
            course.pacing = values["pacing"]
            course.start = values.get("start")
            course.end = values.get("end")
            course.certificates_enabled = values["certificates_enabled"]
        resolver.forget(self.key)


class _UserCourseEntity(Entity):
    """An entity keyed by (username, course) that refers to a user and a course."""

    model: Any

    def natural_key(self, values: dict[str, Any]) -> Key:
        return (values["username"].lower(), values["course"])

    def references(self, values: dict[str, Any]) -> list[tuple[str, Key, str]]:
        return [("users", (values["username"].lower(),), "username"), ("courses", (values["course"],), "course")]

    def load(self, keys: Sequence[Key]) -> dict[Key, Any]:
        """Rows by (username, course key): ids first through their indexes, then rows by user id (indexed)."""
        wanted = set(keys)
        user_ids = {user.id: name for name, user in _users_by_name({k[0] for k in wanted}).items()}
        course_ids = {course.id: key for (key,), course in Courses().load([(k[1],) for k in wanted]).items()}
        found: dict[Key, Any] = {}
        if not user_ids or not course_ids:
            return found
        model = self.model
        for batch in chunks(list(user_ids)):
            query = select(model).where(model.user_id.in_(batch))
            if len(course_ids) <= in_batch_size():  # else filter below, keeping the statement's parameters bounded
                query = query.where(model.course_id.in_(list(course_ids)))
            for row in db.session.scalars(query):
                if row.course_id not in course_ids:
                    continue
                key = (user_ids[row.user_id], course_ids[row.course_id])
                if key in wanted:
                    found[key] = row
        return found

    def ids(self, values: dict[str, Any], resolver: Resolver) -> dict[str, int]:
        return {
            "user_id": resolver.get("users", (values["username"].lower(),)).id,
            "course_id": resolver.get("courses", (values["course"],)).id,
        }

    def prefetch(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        resolver.prefetch("users", [(v["username"].lower(),) for v, _ in rows])
        resolver.prefetch("courses", [(v["course"],) for v, _ in rows])


class CourseStaffRoles(_UserCourseEntity):
    key = "course_staff"
    model = CourseStaff
    fields = (
        Field("username", required=True),
        Field("course", "course_key", required=True),
        Field("role", "choice", default=CourseRole.STAFF.value, choices=tuple(r.value for r in CourseRole)),
    )

    def snapshot(self, row: CourseStaff) -> dict[str, Any]:
        return {"role": row.role}

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        return {"role": values["role"]}

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        self.prefetch(rows, resolver)
        for values, role in rows:
            if role is None:
                db.session.add(CourseStaff(role=values["role"], **self.ids(values, resolver)))
            else:
                role.role = values["role"]


class Enrollments(_UserCourseEntity):
    key = "enrollments"
    model = Enrollment
    fields = (
        Field("username", required=True),
        Field("course", "course_key", required=True),
        Field("mode", "choice", default=EnrollmentMode.AUDIT.value, choices=tuple(m.value for m in EnrollmentMode)),
        Field("is_active", "bool", default=True),
    )

    def clean(self, entry: Any) -> tuple[dict[str, Any], list[str]]:
        """`course_id` (the OEP-37 spelling) is accepted for `course`; both given must agree."""
        if not isinstance(entry, dict) or "course_id" not in entry:
            return super().clean(entry)
        entry = dict(entry)
        course_id = entry.pop("course_id")
        if "course" in entry and entry["course"] is not None and entry["course"] != course_id:
            values, errors = super().clean(entry)
            return values, [
                *errors,
                rule_message(
                    "fields 'course' ({course}) and 'course_id' ({course_id}) differ; give one of them",
                    course=repr(entry["course"]),
                    course_id=repr(course_id),
                ),
            ]
        entry["course"] = course_id
        values, errors = super().clean(entry)
        return values, [e.replace("field 'course'", "field 'course_id'") for e in errors]

    def snapshot(self, row: Enrollment) -> dict[str, Any]:
        return {"mode": row.mode, "is_active": row.is_active}

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        return {"mode": values["mode"], "is_active": values["is_active"]}

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        self.prefetch(rows, resolver)
        new = []
        for values, enrollment in rows:
            if enrollment is None:
                new.append({"mode": values["mode"], "is_active": values["is_active"], **self.ids(values, resolver)})
            else:
                enrollment.mode = values["mode"]
                enrollment.is_active = values["is_active"]
        if new:
            now = utcnow()
            db.session.execute(Enrollment.__table__.insert(), [{**n, "created": now} for n in new])
