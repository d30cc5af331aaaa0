"""Every streamed CSV download, read to its end as a WSGI server reads it: the rows are in the body.

The test client normally runs inside the app context the test fixture pushed, which keeps the request's
database session alive after the view returns. A server has no such context: the session is closed when
the view returns, before the body streams. `as_a_server` makes the request in a context of its own.
"""

from __future__ import annotations

import contextvars
import csv
import io

import pytest

from tests.builders import allow, enroll, invalidate, make_certificate, make_course, make_user
from tests.completion.builders import AS_OF, ENDED, consent, grade, make_customer, make_learner
from webapp.extensions import db
from webapp.services import audit
from webapp.statuses import CertificateStatus

COURSE = "course-v1:edX+Dl+2026"
BASE = f"/courses/{COURSE}/certificates"


def as_a_server(client, url: str, *, method: str = "get", **kwargs) -> list[list[str]]:
    """The download as a WSGI server serves it (own context, body read to the end), parsed as CSV."""
    if method == "post":
        kwargs.setdefault("data", {}).setdefault("csrf_token", client.csrf_token())
    call = getattr(client, method)
    response = contextvars.Context().run(lambda: call(url, buffered=True, **kwargs))
    assert response.status_code == 200, (response.status_code, response.data[:500])
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture
def world():
    """A course with an allowlisted learner, two certificates (one invalidated), and global staff."""
    course = make_course(COURSE)
    staff = make_user("staff", is_staff=True)
    ann, bob = make_user("ann"), make_user("bob")
    for user in (ann, bob):
        enroll(user, course)
    allow(ann, course, notes="late work", created_by=staff)
    make_certificate(ann, course, CertificateStatus.DOWNLOADABLE)
    invalidate(make_certificate(bob, course, CertificateStatus.DOWNLOADABLE), notes="copied", by=staff)
    db.session.commit()
    return {"course": course, "staff": staff}


def test_allowlist_export_streams_its_rows(client, world):
    client.login("staff")
    rows = as_a_server(client, f"{BASE}/exceptions.csv")
    assert rows[0][:2] == ["username", "email"]
    assert [(r[0], r[3]) for r in rows[1:]] == [("ann", "late work")]


def test_issued_export_streams_its_rows(client, world):
    client.login("staff")
    rows = as_a_server(client, f"{BASE}/issued.csv")
    assert rows[0][0] == "username"
    assert sorted(r[0] for r in rows[1:]) == ["ann", "bob"]


def test_invalidations_export_streams_its_rows(client, world):
    client.login("staff")
    rows = as_a_server(client, f"{BASE}/invalidations.csv")
    assert [r[0] for r in rows[1:]] == ["bob"]
    assert "copied" in rows[1]


def test_plan_error_report_streams_its_rows(client, world):
    client.login("staff")
    response = client.post(
        f"{BASE}/exceptions/upload",
        data={"file": (io.BytesIO(b"ann\nghost\nnobody,x\n"), "r.csv"), "encoding": "utf-8"},
        content_type="multipart/form-data",
    )
    plan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    rows = as_a_server(client, f"/plans/{plan_id}/errors.csv")
    assert rows[0] == ["username_or_email", "notes", "row", "code", "message"]
    assert [r[:4] for r in rows[1:]] == [["ghost", "", "2", "unknown_learner"], ["nobody", "x", "3", "unknown_learner"]]


def test_audit_download_streams_its_rows(client, world):
    for number in range(3):
        audit.record("certificates.toggle", world["staff"], summary=f"event {number}", course_key=COURSE)
    db.session.commit()
    client.login("staff")
    rows = as_a_server(client, "/audit/events.csv")
    assert rows[0] == ["at", "actor", "action", "course", "plan", "summary", "remote_addr"]
    summaries = [r[5] for r in rows[1:] if r[2] == "certificates.toggle"]
    assert summaries == ["event 2", "event 1", "event 0"]


def test_audit_download_streams_more_rows_than_one_batch(client, world):
    for number in range(1203):
        audit.record("certificates.toggle", world["staff"], summary=f"event {number}")
    db.session.commit()
    client.login("staff")
    rows = as_a_server(client, "/audit/events.csv?action=certificates.toggle")
    assert len(rows) == 1 + 1203 and rows[-1][5] == "event 0"


def test_completion_export_streams_its_rows(client, world):
    customer = make_customer("acme")
    course = make_course("course-v1:Org+SP+2026", pacing="self", end=ENDED)
    learner = make_user("p1")
    make_learner(customer, learner)
    enroll(learner, course)
    consent(customer, learner, course.key)
    grade(learner, course.key, 0.9, True)
    db.session.commit()
    client.login("staff")
    rows = as_a_server(client, "/completion/export.csv", method="post", data={"customer": "acme", "as_of": AS_OF})
    assert rows[0][:2] == ["customer", "username"]
    assert [r[1] for r in rows[1:]] == ["p1"]
