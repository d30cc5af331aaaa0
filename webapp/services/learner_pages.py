"""Pages of a long list of learners in username order, read by walking the users.

A list that names a large share of all users (an allowlist, a course's certificates) is paged by walking the
users in `lower(username)` order (their unique index on it) and keeping those the list names, instead of sorting
the whole list for every page: at 100,000 entries a page costs tens of milliseconds instead of hundreds. A short
list, or one naming few of the users (walking would pass many users for each one listed), is sorted as usual.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import ColumnElement, func, select

from webapp.extensions import db
from webapp.models import User

WALK_FROM = 2000  # default of LIST_USER_WALK_FROM: a list this long, naming a quarter of the users, is walked


def walks_users(total: int) -> bool:
    """Whether a list of `total` learners is paged by walking the users: long, and naming a quarter of them."""
    if total < int(current_app.config.get("LIST_USER_WALK_FROM", WALK_FROM)):
        return False
    return total * 4 >= (db.session.scalar(select(func.count()).select_from(User)) or 0)


def user_ids_in_order(listed: ColumnElement[bool], page: int, per_page: int) -> list[int]:
    """The ids of the users on page `page` of a list, in `lower(username)` order; `listed` is the condition (on
    `User`) that a user is on the list."""
    users = select(User.id).where(listed).order_by(func.lower(User.username))
    return list(db.session.scalars(users.limit(per_page).offset((page - 1) * per_page)))
