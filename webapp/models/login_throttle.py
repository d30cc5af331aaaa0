"""Login throttling counters: one row per (user, client address) pair and one per client address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import Model


class LoginThrottle(Model):
    """Login attempts counted in the current window for one key (a SHA-256 of what is counted, so the
    table never holds what someone typed as a username). `attempts` includes attempts still being checked:
    a slot is taken before the password is checked, atomically, so parallel requests cannot overrun it."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime, nullable=False)
