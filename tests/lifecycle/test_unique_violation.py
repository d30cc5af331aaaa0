"""A row that fails to apply says "conflicts with a record written meanwhile" only when a uniqueness rule refused
it, on each database: other refusals (a trigger, a NOT NULL) are IntegrityErrors on some databases and not on
others, and read as the database refusing the row."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.exc import SQLAlchemyError

from tests.refusing_database import database_refuses
from webapp.extensions import db
from webapp.models import LoginThrottle
from webapp.services.plans.applying import _row_error_message

CONFLICT = "conflicts with a record written meanwhile (a uniqueness rule of the database)"
REFUSED = "the database refused this row"


def _error_of(*rows: LoginThrottle) -> SQLAlchemyError:
    with pytest.raises(SQLAlchemyError) as caught, db.session.begin_nested():
        for row in rows:
            db.session.add(row)
            db.session.flush()
    return caught.value


def test_a_duplicate_key_reads_as_a_uniqueness_conflict(app):
    db.session.add(LoginThrottle(key="k", attempts=0, window_start=datetime(2026, 1, 1)))
    db.session.commit()
    error = _error_of(LoginThrottle(key="k", attempts=1, window_start=datetime(2026, 1, 1)))
    assert _row_error_message(error) == CONFLICT


def test_a_missing_required_value_reads_as_a_refusal(app):
    error = _error_of(LoginThrottle(key="k", attempts=0, window_start=None))
    assert _row_error_message(error) == REFUSED


def test_a_trigger_refusal_reads_as_a_refusal(app):
    with database_refuses("login_throttles", "INSERT"):
        error = _error_of(LoginThrottle(key="k", attempts=0, window_start=datetime(2026, 1, 1)))
        assert _row_error_message(error) == REFUSED
