"""Batched queries (no query per enrollment, keyset pages) and the data-spec entities."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from tests.builders import enroll, make_certificate, make_course, make_user
from tests.completion.builders import AS_OF, ENDED, consent, grade, make_customer, make_learner
from webapp.extensions import db
from webapp.models.enterprise import DataSharingConsent, EnterpriseLearner, GradeRecord
from webapp.services import completion, devdata, plans
from webapp.statuses import Action
from webapp.timeutil import parse_iso


def _world(learners: int) -> None:
    customer = make_customer()
    courses = [
        make_course("course-v1:Org+IP+2026", pacing="instructor"),
        make_course("course-v1:Org+SP+2026", pacing="self", end=ENDED),
    ]
    for i in range(learners):
        user = make_user(f"user{i:03d}")
        make_learner(customer, user)
        for course in courses:
            enroll(user, course)
            consent(customer, user, course.key)
            grade(user, course.key, 0.8, True)
        make_certificate(user, courses[0])
    db.session.commit()


def _count_queries(func_) -> tuple[int, object]:
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = func_()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements), result


def _rows():
    return list(completion.completion_rows(None, completion.ExportParams("acme", as_of=completion.utcnow())))


@pytest.mark.parametrize("page_size", [1000, 7])
def test_queries_do_not_grow_with_enrollments(app, monkeypatch, page_size):
    monkeypatch.setattr(completion, "PAGE_SIZE", page_size)
    monkeypatch.setitem(app.config, "IN_BATCH_SIZE", 900)  # the production size: one IN batch per page
    _world(5)
    few, rows = _count_queries(_rows)
    assert len(rows) == 10
    db.session.rollback()
    customer_users = [make_user(f"more{i:03d}") for i in range(30)]
    customer = db.session.scalar(select(completion.EnterpriseCustomer))
    courses = db.session.scalars(select(completion.Course)).all()
    for user in customer_users:
        make_learner(customer, user)
        for course in courses:
            enroll(user, course)
            consent(customer, user, course.key)
    db.session.commit()
    many, rows = _count_queries(_rows)
    assert len(rows) == 70
    if page_size >= 70:
        assert many == few  # the same queries, whatever the number of enrollments
    else:
        # per course: 4 more pages of 7 (a page query + at most 3 batch loads each) and one empty last page
        assert many <= few + 2 * (4 * 4 + 1) < len(rows)
    assert [r.username for r in rows[:35]] == sorted(r.username for r in rows[:35])


def test_keyset_pages_visit_every_enrollment_once(monkeypatch):
    monkeypatch.setattr(completion, "PAGE_SIZE", 3)
    _world(10)
    rows = _rows()
    assert [(r.course_key, r.username) for r in rows] == [
        (c, f"user{i:03d}") for c in ("course-v1:Org+IP+2026", "course-v1:Org+SP+2026") for i in range(10)
    ]


SPEC = """
users:
  - {username: ann, email: ann@example.com}
  - {username: ben, email: ben@example.com}
courses:
  - {id: "course-v1:Org+SP+2026", name: Self, pacing: self, end: "2026-06-30"}
enrollments:
  - {username: ann, course: "course-v1:Org+SP+2026", mode: verified}
  - {username: ben, course: "course-v1:Org+SP+2026", mode: audit}
grades:
  - {username: ann, course: "course-v1:Org+SP+2026", percent: 0.9, passed: true}
  - {username: ben, course: "course-v1:Gone+X+2019", percent: 1, passed: true}
enterprise_customers:
  - {slug: acme, name: Acme, enable_audit_reporting: true}
enterprise_learners:
  - {customer: acme, username: ann}
  - {customer: acme, username: ben, active: false}
consents:
  - {customer: acme, username: ann, course: "course-v1:Org+SP+2026"}
  - {customer: acme, username: ben, course: "course-v1:Org+SP+2026", granted: false}
"""


def test_data_spec_loads_the_enterprise_entities_idempotently(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    plan = devdata.load_spec(path, actor=None)
    assert plan.count(Action.CREATE) == 12 and not plan.count(Action.ERROR)
    assert db.session.scalar(select(func.count()).select_from(GradeRecord)) == 2  # unknown course allowed
    assert (
        db.session.scalar(
            select(EnterpriseLearner.active).join(completion.User).where(completion.User.username == "ben")
        )
        is False
    )
    assert (
        db.session.scalar(
            select(DataSharingConsent.granted).join(completion.User).where(completion.User.username == "ben")
        )
        is False
    )
    again = devdata.load_spec(path, actor=None)
    assert again.count(Action.UNCHANGED) == 12 and not again.count(Action.CREATE)
    path.write_text(
        SPEC.replace("percent: 0.9", "percent: 0.95").replace(
            "Acme, enable_audit_reporting: true", "Acme, enable_audit_reporting: false"
        )
    )
    changed = devdata.load_spec(path, actor=None)
    assert changed.count(Action.UPDATE) == 2


def test_data_spec_refuses_unknown_customers_users_and_fields(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("""
enterprise_learners:
  - {customer: nobody, username: ghost}
consents:
  - {customer: acme, username: ann, course: "not a key", colour: red}
grades:
  - {username: ann, course: "course-v1:A+B+C", percent: 1.5, passed: true}
""")
    plan = devdata.load_spec(path, actor=None)
    messages = " | ".join(row["message"] for row in plans.plan_json(plan)["rows"])
    assert plan.count(Action.ERROR) == 3
    assert "customer nobody does not exist" in messages
    assert "unknown field 'colour'" in messages and "must be a course key" in messages
    assert "'percent' must be between 0 and 1" in messages


def test_demo_enterprise_spec_loads_with_core(tmp_path):
    top = tmp_path / "demo.yaml"
    demo = Path(__file__).resolve().parents[2] / "webapp" / "demo"
    top.write_text(f"- data_spec_path: {demo / 'core.yaml'}\n- data_spec_path: {demo / 'enterprise.yaml'}\n")
    plan = devdata.load_spec(top, actor=None)
    assert not plan.count(Action.ERROR), plans.plan_json(plan)["rows"][:3]
    rows = list(completion.completion_rows(None, completion.ExportParams("acme", as_of=parse_iso(AS_OF))))
    reasons = {r.skip for r in rows}
    assert {None, completion.SkipReason.COURSE_UNKNOWN, completion.SkipReason.NO_CONSENT} <= reasons
    assert (
        db.session.scalar(
            select(func.count()).select_from(EnterpriseLearner).where(EnterpriseLearner.active.is_(False))
        )
        == 1
    )
