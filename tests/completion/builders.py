"""Builders for the completion export's models, and helpers to read an export back."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from webapp.extensions import db
from webapp.models import User
from webapp.models.enterprise import DataSharingConsent, EnterpriseCustomer, EnterpriseLearner, GradeRecord

AS_OF = "2026-07-01T00:00:00Z"  # after the ended course's end, before the running course's end
ENDED = datetime(2026, 6, 30)
RUNNING_END = datetime(2026, 12, 20)


def make_customer(slug: str = "acme", *, audit: bool = False, name: str = "") -> EnterpriseCustomer:
    customer = EnterpriseCustomer(slug=slug, name=name or slug.title(), enable_audit_reporting=audit)
    db.session.add(customer)
    db.session.flush()
    return customer


def make_learner(customer: EnterpriseCustomer, user: User, active: bool = True) -> EnterpriseLearner:
    row = EnterpriseLearner(customer_id=customer.id, user_id=user.id, active=active)
    db.session.add(row)
    db.session.flush()
    return row


def consent(customer: EnterpriseCustomer, user: User, course_key: str, granted: bool = True) -> DataSharingConsent:
    row = DataSharingConsent(customer_id=customer.id, user_id=user.id, course_key=course_key, granted=granted)
    db.session.add(row)
    db.session.flush()
    return row


def grade(user: User, course_key: str, percent: float, passed: bool) -> GradeRecord:
    row = GradeRecord(user_id=user.id, course_key=course_key, percent=percent, passed=passed)
    db.session.add(row)
    db.session.flush()
    return row


def parse_csv(text: str) -> list[dict[str, str]]:
    """The rows of an export as dicts (a leading BOM is accepted)."""
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def export(runner, *args: str) -> list[dict[str, str]]:
    """Run `completion export` on stdout and return its rows; the command must succeed."""
    result = runner.invoke(args=["completion", "export", *args])
    assert result.exit_code == 0, result.output
    return parse_csv(result.stdout)


def by_user(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["username"]: row for row in rows}
