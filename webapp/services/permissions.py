"""Who may act on what: global staff on every course, course staff (staff/instructor) on theirs."""

from __future__ import annotations

from sqlalchemy import exists, func, select

from webapp.extensions import db
from webapp.models import Course, CourseStaff, User
from webapp.services.errors import NotFound, PermissionDenied
from webapp.services.messages import N_, rule_message
from webapp.statuses import CourseRole


def is_course_staff(user: User, course: Course) -> bool:
    """True for global staff, or a staff/instructor role on this course."""
    if not user or not user.is_active:
        return False
    if user.is_staff:
        return True
    return bool(
        db.session.scalar(select(exists().where(CourseStaff.user_id == user.id, CourseStaff.course_id == course.id)))
    )


def may_change_certificates(user: User | None, course: Course) -> bool:
    """True for global staff or the course's `instructor` role (domain §0; the platform's
    `lms/djangoapps/instructor/permissions.py`): the course `staff` role only sees certificates."""
    if not user or not user.is_active:
        return False
    if user.is_staff:
        return True
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    CourseStaff.user_id == user.id,
                    CourseStaff.course_id == course.id,
                    CourseStaff.role == CourseRole.INSTRUCTOR,
                )
            )
        )
    )


CERTIFICATE_CHANGES_HINT = N_("Only global staff and the course's instructors may change certificates.")


def require_certificate_changes(actor: User | None, course: Course) -> Course:
    """The course, if the actor may change its certificates (exceptions, removals, invalidations,
    re-validation, generation, the toggle); course staff of the course get PermissionDenied (403).
    `None` is the trusted command line."""
    if actor is None:
        return course
    if not is_course_staff(actor, course):
        raise PermissionDenied(
            rule_message("You are not staff of {course}: ask a global staff member for access.", course=course.key)
        )
    if not may_change_certificates(actor, course):
        raise PermissionDenied(
            rule_message(
                "Only global staff and the course's instructors may change certificates. "
                "Your role in {course} lets you see them only.",
                course=course.key,
            )
        )
    return course


def get_course(course_key: str) -> Course:
    course = db.session.scalar(select(Course).where(Course.key == course_key))
    if course is None:
        raise NotFound(rule_message("There is no course {course}.", course=course_key))
    return course


def require_course(user: User, course_key: str) -> Course:
    """The course, if the user may act on it; else NotFound / PermissionDenied."""
    course = get_course(course_key)
    if not is_course_staff(user, course):
        raise PermissionDenied(
            rule_message("You are not staff of {course}: ask a global staff member for access.", course=course_key)
        )
    return course


def course_for(actor: User | None, course_key: str) -> Course:
    """The course for an acting user (checked as `require_course`), or for the command line (no actor)."""
    return require_course(actor, course_key) if actor else get_course(course_key)


def require_global_staff(user: User) -> None:
    if not (user and user.is_active and user.is_staff):
        raise PermissionDenied(rule_message("Only global staff may do this."))


def courses_for(user: User) -> list[Course]:
    """The courses the user may act on, ordered by key."""
    query = select(Course).order_by(Course.key)
    if not user.is_staff:
        query = query.join(CourseStaff, CourseStaff.course_id == Course.id).where(CourseStaff.user_id == user.id)
    return list(db.session.scalars(query))


def find_user(identifier: str) -> User | None:
    """The user an identifier names (domain §0): the one with that email, else the one with that username.

    Both case-insensitive; a username may contain '@', so an identifier with '@' that is nobody's email is
    still looked up as a username.
    """
    key = (identifier or "").strip().lower()
    if not key:
        return None
    if "@" in key:
        user = db.session.scalar(select(User).where(func.lower(User.email) == key))
        if user is not None:
            return user
    return db.session.scalar(select(User).where(func.lower(User.username) == key))


def resolve_actor(identifier: str) -> User:
    """The acting user for CLI `--as`: must exist and be active."""
    user = find_user(identifier)
    if user is None or not user.is_active:
        raise PermissionDenied(
            rule_message("There is no active user {identifier} to act as.", identifier=repr(identifier))
        )
    return user
