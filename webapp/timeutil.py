"""Time helpers. The database stores naive UTC datetimes (same behaviour on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """The current time as a naive UTC datetime."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_naive_utc(value: datetime) -> datetime:
    """Aware -> naive UTC; naive is taken to be UTC already."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def parse_iso(value: str | date | datetime) -> datetime:
    """Parse ISO 8601 (date or datetime, 'Z' allowed) into naive UTC. Raises ValueError."""
    if isinstance(value, datetime):
        return to_naive_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return to_naive_utc(datetime.fromisoformat(text))
    except OverflowError:  # e.g. 9999-12-31T23:59:59-14:00: past the calendar's end once in UTC
        raise ValueError(f"{text} is outside the dates this app can store (years 1 to 9999, in UTC)") from None


def iso(value: datetime | None) -> str:
    """ISO 8601 in UTC with a Z, or '' for None."""
    return "" if value is None else to_naive_utc(value).isoformat(timespec="seconds") + "Z"


def epoch_ms(value: datetime) -> int:
    """Milliseconds since the Unix epoch for a naive UTC datetime."""
    return int(to_naive_utc(value).replace(tzinfo=UTC).timestamp() * 1000)
