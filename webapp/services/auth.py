"""Logging in: password check, throttling of guessing, and the audit of each failure.

Throttling never lets anyone lock a user out from everywhere: it counts attempts per (user, client address)
pair and, with a larger budget, per client address. The user is the one the identifier resolves to, so a
username and an email of one user share their budget; an identifier that names nobody is counted as typed.
A slot is taken atomically before the password is checked (parallel requests cannot overrun the budget),
and an unknown user costs the same hash check as a known one (the answer time does not reveal accounts).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Update, case, delete, func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.database import insert_missing
from webapp.extensions import db
from webapp.models import LoginThrottle, User
from webapp.services import audit
from webapp.services.errors import InputRefused, ServiceError
from webapp.services.messages import english, rule_message
from webapp.services.permissions import find_user
from webapp.timeutil import utcnow

FAILED_LOGIN = "login.failed"
GENERIC_FAILURE = rule_message("Unknown username or email, or wrong password.")


class LoginRefused(InputRefused):
    status = 401


class LoginThrottled(InputRefused):
    status = 429


def _key(*parts: str) -> str:
    """What a counter counts, hashed: the table never holds what someone typed as a username."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _take_slot(key: str, limit: int, now: datetime, window: timedelta) -> bool:
    """Count one attempt on `key` unless its window's budget is spent. The counter row is made first when missing
    (an insert that never fails on a parallel one), then one conditional UPDATE takes the slot, so two requests
    never both take the last slot. A window older than `window` starts again."""
    insert_missing(db.session, LoginThrottle, {"key": key, "attempts": 0, "window_start": now})
    cutoff = now - window
    stale = LoginThrottle.window_start <= cutoff
    take = (
        update(LoginThrottle)
        .where(LoginThrottle.key == key, or_(stale, LoginThrottle.attempts < limit))
        .ordered_values(  # in this order: MySQL's SET sees the values assigned before it, `stale` reads window_start
            (LoginThrottle.attempts, case((stale, 1), else_=LoginThrottle.attempts + 1)),
            (LoginThrottle.window_start, case((stale, now), else_=LoginThrottle.window_start)),
        )
        .execution_options(synchronize_session=False)
    )
    return _updated(take)


def _updated(statement: Update) -> bool:
    return bool(getattr(db.session.execute(statement), "rowcount", 0))


def _give_back(key: str) -> None:
    """Return a slot that was not a failure (a successful login, or a refusal by the other counter)."""
    db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.attempts > 0)
        .values(attempts=LoginThrottle.attempts - 1)
        .execution_options(synchronize_session=False)
    )


def _attempts(key: str) -> int:
    return db.session.scalar(select(LoginThrottle.attempts).where(LoginThrottle.key == key)) or 0


@cache
def _dummy_hash() -> str:
    """A hash of a random password, made like the real ones: what an unknown user's password is checked
    against, so that a wrong username costs the same time as a wrong password."""
    return generate_password_hash(secrets.token_hex(16))


def _throttled() -> LoginThrottled:
    minutes = max(1, current_app.config["LOGIN_LOCKOUT_SECONDS"] // 60)
    if minutes == 1:
        return LoginThrottled(rule_message("Too many failed logins. Wait {n} minute and try again.", n=minutes))
    return LoginThrottled(
        rule_message("Too many failed logins. Wait {n} minutes and try again.", n=format(minutes, ","))
    )


def authenticate(identifier: str, password: str, remote_addr: str = "") -> User:
    """The active user with this username (or email) and password; never says which half was wrong."""
    config = current_app.config
    identifier = (identifier or "").strip().lower()[:254]
    user = find_user(identifier) if identifier else None
    now, window = utcnow(), timedelta(seconds=config["LOGIN_LOCKOUT_SECONDS"])
    address_key = _key("address", remote_addr)
    pair_key = _key("user", str(user.id), remote_addr) if user else _key("typed", identifier, remote_addr)
    if not _take_slot(address_key, config["LOGIN_ADDRESS_MAX_FAILURES"], now, window):
        db.session.commit()
        raise _throttled()
    if not _take_slot(pair_key, config["LOGIN_MAX_FAILURES"], now, window):
        _give_back(address_key)
        db.session.commit()
        raise _throttled()
    db.session.commit()  # the slots are taken (and their row locks released) before the slow hash check

    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    matches = check_password_hash(stored, password or "")
    if user is None or not user.is_active or not user.password_hash or not matches:
        with english():
            audit.record(
                FAILED_LOGIN,
                None,
                actor_name=identifier,
                remote_addr=remote_addr,
                summary=rule_message("Failed login for {identifier}", identifier=repr(identifier)),
            )
        db.session.commit()
        _slow_down(_attempts(pair_key))
        raise LoginRefused(GENERIC_FAILURE)
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == pair_key))
    _give_back(address_key)
    db.session.commit()
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
        raise ServiceError(rule_message("A username and a valid email are required."))
    if len(password) < 8 and not current_app.config.get("DEMO_ALLOW_SHORT_PASSWORDS"):
        raise ServiceError(rule_message("The password must have at least {count} characters.", count=8))
    courses = [get_course(key) for key in course_keys]
    # By exact username and exact email (both case-insensitive), not find_user: a username may be another
    # user's email, and find_user would take that user.
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    clash = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if clash is not None and clash is not user:
        raise ServiceError(
            rule_message("The email {email} is already used by {username}.", email=email, username=clash.username)
        )
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
