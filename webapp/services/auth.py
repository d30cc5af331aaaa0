"""Logging in: password check, throttling of repeated failures, and the audit of each failure."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from webapp.extensions import db
from webapp.models import AuditEvent, User
from webapp.services import audit
from webapp.services.errors import InputRefused, ServiceError
from webapp.services.permissions import find_user
from webapp.timeutil import utcnow

FAILED_LOGIN = "login.failed"
GENERIC_FAILURE = "Unknown username or email, or wrong password."


class LoginRefused(InputRefused):
    status = 401


class LoginThrottled(InputRefused):
    status = 429


def _recent_failures(identifier: str, remote_addr: str) -> int:
    window = timedelta(seconds=current_app.config["LOGIN_LOCKOUT_SECONDS"])
    return (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == FAILED_LOGIN,
                AuditEvent.at > utcnow() - window,
                or_(AuditEvent.actor_name == identifier, AuditEvent.remote_addr == remote_addr),
            )
        )
        or 0
    )


def authenticate(identifier: str, password: str, remote_addr: str = "") -> User:
    """The active user with this username (or email) and password; never says which half was wrong."""
    identifier = (identifier or "").strip().lower()[:254]
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    if _recent_failures(identifier, remote_addr) >= limit:
        minutes = max(1, current_app.config["LOGIN_LOCKOUT_SECONDS"] // 60)
        raise LoginThrottled(f"Too many failed logins. Wait {minutes} minute(s) and try again.")
    user = find_user(identifier) if identifier else None
    if user is None or not user.is_active or not user.check_password(password or ""):
        audit.record(
            FAILED_LOGIN,
            None,
            actor_name=identifier,
            remote_addr=remote_addr,
            summary=f"Failed login for {identifier!r}",
        )
        db.session.commit()
        _slow_down(_recent_failures(identifier, remote_addr))
        raise LoginRefused(GENERIC_FAILURE)
    return user


MAX_FAILURE_DELAY = 2.0


def _slow_down(failures: int) -> None:
    """Each recent failure makes the next refusal slower (capped): guessing gets slow before it is refused."""
    delay = min(current_app.config["LOGIN_FAILURE_DELAY_SECONDS"] * failures, MAX_FAILURE_DELAY)
    if delay > 0:
        time.sleep(delay)


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the cookie holds `id:session_token`; a rotated token logs the cookie out."""
    raw_id, _, token = (user_id or "").partition(":")
    if not raw_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.is_active or user.session_token != token:
        return None
    return user


def logout(user: User) -> None:
    user.rotate_session_token()
    db.session.commit()


def create_staff(username: str, email: str, password: str, *, is_global: bool, course_keys: list[str]) -> User:
    """Create (or update) a staff user with a password; roles on the given courses."""
    from webapp.models import CourseStaff
    from webapp.services.permissions import get_course

    if not username.strip() or "@" not in email:
        raise ServiceError("A username and a valid email are required.")
    if len(password) < 8 and not current_app.config.get("DEMO_ALLOW_SHORT_PASSWORDS"):
        raise ServiceError("The password must have at least 8 characters.")
    courses = [get_course(key) for key in course_keys]
    # By exact username and exact email (both case-insensitive), not find_user: a username may be another
    # user's email, and find_user would take that user.
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    clash = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if clash is not None and clash is not user:
        raise ServiceError(f"The email {email} is already used by {clash.username}.")
    if user is None:
        user = User(username=username.strip(), email=email.strip())
        db.session.add(user)
    user.email = email.strip()
    user.is_staff = user.is_staff or is_global
    user.set_password(password)
    db.session.flush()
    for course in courses:
        if not db.session.scalar(
            select(CourseStaff).where(CourseStaff.user_id == user.id, CourseStaff.course_id == course.id)
        ):
            db.session.add(CourseStaff(user_id=user.id, course_id=course.id))
    db.session.commit()
    return user
