"""Users: learners and staff alike."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, validates
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import Model
from webapp.timeutil import utcnow


class User(UserMixin, Model):
    """A platform user. Username and email are unique case-insensitively."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    full_name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    is_staff: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # Part of the login cookie; rotated at logout, at a password change and at a deactivation, so every
    # cookie issued before stops working (and a reactivation does not revive them).
    session_token: Mapped[str] = mapped_column(String(32), nullable=False, default=lambda: secrets.token_hex(16))

    @validates("password_hash", "is_active")
    def _end_sessions_on_change(self, name: str, value: object) -> object:
        """Whatever path writes a new password hash or deactivates the user ends the user's sessions."""
        if self.id is not None and value != getattr(self, name):  # reactivating rotates too: old cookies stay dead
            self.rotate_session_token()
        return value

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_hex(16)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username}>"


# Case-insensitive uniqueness and fast lower() lookups (functional indexes: SQLite and PostgreSQL).
Index("uq_users_username_lower", func.lower(User.username), unique=True)
Index("uq_users_email_lower", func.lower(User.email), unique=True)
