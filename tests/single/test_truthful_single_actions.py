"""Single certificate actions tell the truth and ask first (issue 12 #4): the single invalidation and the
generation toggle confirm with the consequence in words before anything is written; text the database
cannot store (a NUL) is refused naming the field, the same on SQLite and PostgreSQL, from forms and CSV rows
alike, and a single action never flashes success for a row that was not written."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.invalidations.helpers import COURSE, status_of, world
from webapp.extensions import db
from webapp.models import AllowlistEntry, AuditEvent, Course, Invalidation, Plan, PlanRow

BASE = f"/courses/{COURSE}/certificates"
NUL_NOTE = "bad\x00note"


@pytest.fixture
def w(client):
    data = world()
    client.login("instructor")
    return data


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _labelled(page, field) -> bool:
    return page.find("label", attrs={"for": field["id"]}) is not None


# ------------------------------------------------------------------------------- single invalidation


def test_single_invalidation_asks_first_stating_the_consequence(client, w):
    form = client.soup(f"{BASE}/invalidations").find("form", action=f"{BASE}/invalidations/one")
    assert form["method"].lower() == "get"  # the form leads to the confirmation, it writes nothing
    page = client.soup(f"{BASE}/invalidations/one?identifier=ana&notes=Plagiarism")
    consequence = page.select_one("#consequence").get_text(" ", strip=True)
    assert "becomes unavailable to the learner" in consequence and "grade" in consequence
    assert "ana" in page.select_one("#confirm-heading").get_text()
    confirm = page.find("form", method="post", action=f"{BASE}/invalidations/one")
    assert confirm.find("input", {"name": "csrf_token"}) is not None
    assert confirm.find("input", {"name": "identifier"})["value"] == "ana"
    notes = confirm.find("textarea", {"name": "notes"})
    assert notes.get_text() == "Plagiarism" and _labelled(page, notes)
    assert status_of(w["ana"]) == "downloadable" and _count(Plan) == 0 and _count(Invalidation) == 0
    response = client.post(
        f"{BASE}/invalidations/one", data={"identifier": "ana", "notes": "Plagiarism"}, follow_redirects=True
    )
    assert response.status_code == 200 and "invalidate the certificate" in response.get_data(as_text=True)
    assert status_of(w["ana"]) == "unavailable"


def test_single_invalidation_confirmation_refuses_what_the_rules_refuse(client, w):
    response = client.get(f"{BASE}/invalidations/one", query_string={"identifier": "cy"})
    assert response.status_code == 400 and "Certificate is already invalid" in response.get_data(as_text=True)
    assert _count(Plan) == 0


def test_course_staff_role_cannot_see_the_invalidation_confirmation(client, w):
    client.login("course_staff")
    assert client.get(f"{BASE}/invalidations/one", query_string={"identifier": "ana"}).status_code == 403


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_single_invalidation_with_a_nul_in_the_note_is_refused_naming_the_field(client, w, method):
    if method == "GET":
        response = client.get(f"{BASE}/invalidations/one", query_string={"identifier": "ana", "notes": NUL_NOTE})
    else:
        response = client.post(f"{BASE}/invalidations/one", data={"identifier": "ana", "notes": NUL_NOTE})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    where = "parameter" if method == "GET" else "field"
    assert f"The “notes” {where} contains a NUL character" in text and "cannot be stored" in text
    assert "invalidate the certificate: it becomes unavailable" not in text  # no success message
    assert status_of(w["ana"]) == "downloadable"
    assert _count(Invalidation) == 0 and _count(Plan) == 0  # refused before anything was planned


def test_add_exception_with_a_nul_in_the_note_is_refused_naming_the_field(client, w):
    response = client.post(f"{BASE}/exceptions/add", data={"identifier": "ana", "notes": NUL_NOTE})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "The “notes” field contains a NUL character" in text and "added to the allowlist" not in text
    assert _count(AllowlistEntry) == 0 and _count(Plan) == 0
    follow = client.soup(f"{BASE}/exceptions")
    assert not follow.select(".flash-success, .callout-success")


def test_a_csv_row_with_a_nul_is_a_row_error_and_the_other_rows_plan(client, w):
    content = b"ana,bad\x00note\nfi,ok\n"
    response = client.post(
        f"{BASE}/invalidations/upload",
        data={"file": (io.BytesIO(content), "roster.csv"), "encoding": "utf-8"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    plan = db.session.scalar(select(Plan).order_by(Plan.id.desc()))
    rows = {r.row_number: r for r in db.session.scalars(select(PlanRow).where(PlanRow.plan_id == plan.id))}
    assert (rows[1].action, rows[1].code) == ("error", "bad_text")
    assert "notes contains a NUL character" in rows[1].message
    assert rows[2].action == "create"
    page = client.soup(response.headers["Location"]).get_text(" ", strip=True)
    assert "notes contains a NUL character" in page


def test_cli_csv_row_with_a_nul_is_a_row_error(runner, w, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"ana\nfi,bad\x00note\n")
    result = runner.invoke(
        args=["certificates", "import-exceptions", str(path), "--course", COURSE, "--as", "staff", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "bad_text" in result.output or "NUL character" in result.output
    assert "Traceback" not in result.output


# ------------------------------------------------------------------------------- generation toggle


def _enabled() -> bool:
    db.session.expire_all()
    return bool(db.session.scalar(select(Course.certificates_enabled).where(Course.key == COURSE)))


def test_generation_toggle_asks_first_stating_the_consequence(client, w):
    form = client.soup(f"{BASE}/").find("form", action=f"{BASE}/generation")
    assert form["method"].lower() == "get"
    assert form.find("input", {"name": "enable"})["value"] == "0"
    page = client.soup(f"{BASE}/generation?enable=0")
    consequence = page.select_one("#consequence").get_text(" ", strip=True)
    assert "stops learners of this course (when self-paced) from requesting their own certificate" in consequence
    confirm = page.find("form", method="post", action=f"{BASE}/generation")
    assert confirm.find("input", {"name": "csrf_token"}) is not None
    assert confirm.find("input", {"name": "enable"})["value"] == "0"
    assert "turn it off" in confirm.find("button").get_text()
    assert _enabled() is True
    assert _count(AuditEvent) == 0
    client.post(f"{BASE}/generation", data={"enable": "0"})
    assert _enabled() is False


def test_generation_confirmation_when_nothing_would_change_offers_no_button(client, w):
    page = client.soup(f"{BASE}/generation?enable=1")
    assert "already on" in page.select_one("#consequence").get_text()
    assert page.find("form", method="post", action=f"{BASE}/generation") is None


def test_generation_confirmation_needs_the_right_to_change_certificates(client, w):
    client.login("course_staff")
    assert client.get(f"{BASE}/generation?enable=0").status_code == 403
    client.login("instructor")
    assert client.get(f"{BASE}/generation?enable=maybe").status_code == 400


def test_generation_toggle_is_a_one_row_plan_and_a_repeat_writes_none(client, w):
    client.post(f"{BASE}/generation", data={"enable": "0"})
    plans = db.session.scalars(select(Plan).where(Plan.kind == "certificates.generation_toggle")).all()
    assert [(p.status, p.outcome_counts.get("applied")) for p in plans] == [("applied", 1)]
    (row,) = db.session.scalars(select(PlanRow).where(PlanRow.plan_id == plans[0].id))
    assert (row.before, row.after) == ({"certificates_enabled": True}, {"certificates_enabled": False})
    page = client.soup(f"/plans/{plans[0].id}").get_text(" ", strip=True)
    assert "learner self-generation on → off" in page
    client.post(f"{BASE}/generation", data={"enable": "0"})  # already off: nothing to write, no plan
    assert _count(Plan) == 1


def test_a_toggle_the_database_refuses_is_refused_not_reported_done(client, w):
    from tests.refusing_database import database_refuses

    with database_refuses("courses", "UPDATE"):
        response = client.post(f"{BASE}/generation", data={"enable": "0"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "nothing was written" in text and "is now off" not in text
    assert _enabled() is True
    generation_events = select(func.count(AuditEvent.id)).where(AuditEvent.action == "certificates.generation")
    assert db.session.scalar(generation_events) == 0
