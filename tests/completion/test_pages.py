"""The completion pages: picker, preview (counts, filters, tabs, pages), download; global staff only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.builders import enroll, make_course, make_course_staff, make_user
from tests.completion.builders import AS_OF, ENDED, consent, grade, make_customer, make_learner, parse_csv
from webapp.extensions import db
from webapp.models import AuditEvent, User
from webapp.models.enterprise import CompletionExport, CompletionExportRecord, EnterpriseCustomer, GradeRecord
from webapp.services import completion

HEADER = (
    "customer,username,email,course_id,mode,pacing,completed,completed_date,completed_timestamp,grade,"
    "grade_percent,source"
)


@pytest.fixture
def world():
    """acme: 3 Pass, 2 Fail, 1 no grade yet, 1 without consent in a self-paced ended course; course staff exists."""
    customer = make_customer("acme", name="Acme Corp")
    course = make_course("course-v1:Org+SP+2026", name="Self Study", pacing="self", end=ENDED)
    for name, percent in (
        ("p1", 0.9),
        ("p2", 0.8),
        ("p3", 0.7),
        ("f1", 0.2),
        ("f2", 0.1),
        ("nograde", None),
        ("noconsent", 0.9),
    ):
        user = make_user(name)
        make_learner(customer, user)
        enroll(user, course)
        if name != "noconsent":
            consent(customer, user, course.key)
        if percent is not None:
            grade(user, course.key, percent, percent >= 0.5)
    make_user("staff", is_staff=True)
    make_course_staff(make_user("course_staff"), course)
    db.session.commit()
    return {"course": course}


def _text(soup) -> str:
    return " ".join(soup.get_text(" ").split())


def _exports() -> int:
    return db.session.scalar(select(func.count()).select_from(CompletionExport))


def test_picker_lists_customers_and_courses(client, world):
    client.login("staff")
    soup = client.soup("/completion/")
    assert [o.get_text() for o in soup.select("#customer option")] == ["— choose —", "Acme Corp (acme)"]
    assert "Self Study — course-v1:Org+SP+2026" in [o.get_text() for o in soup.select("#course option")]
    assert soup.find("form", method="get") is not None
    assert soup.find("label", attrs={"for": "as_of"}) is not None
    assert "Download CSV" not in _text(soup)


def test_preview_counts_by_grade_and_reason_and_records_nothing(client, world):
    client.login("staff")
    soup = client.soup(f"/completion/?customer=acme&as_of={AS_OF}")
    text = _text(soup)
    assert "6 in the file" in text and "1 skipped" in text
    counts = {
        tr.find_all("td")[0].get_text(strip=True): tr.find_all("td")[1].get_text(strip=True)
        for tr in soup.select("table.compact tbody tr")
    }
    assert counts["Pass"] == "3" and counts["Fail"] == "2" and counts["In Progress"] == "0"
    assert counts["No grade yet"] == "1" and counts["No data-sharing consent"] == "1"
    assert "No grade record" not in counts  # exported, not skipped
    assert "Downloading records this export" in text
    assert _exports() == 0


def test_grade_filter_and_skipped_tab(client, world):
    client.login("staff")
    soup = client.soup(f"/completion/?customer=acme&as_of={AS_OF}&grade=Fail")
    users = [
        tr.find_all("td")[1].get_text(" ", strip=True).split()[0]
        for tr in soup.select("table.table tbody tr")
        if len(tr.find_all("td")) == 9
    ]
    assert users == ["f1", "f2"]
    soup = client.soup(f"/completion/?customer=acme&as_of={AS_OF}&view=skipped&reason=no_consent")
    rows = [tr for tr in soup.select("table.table tbody tr") if len(tr.find_all("td")) == 5]
    assert len(rows) == 1 and "noconsent" in rows[0].get_text()
    assert "no data-sharing consent recorded" in rows[0].get_text()


def test_preview_is_paginated(client, world):
    client.login("staff")
    soup = client.soup(f"/completion/?customer=acme&as_of={AS_OF}&page=1")
    assert soup.select_one(".pager-info").get_text() == "1–6 of 6"
    # 6 rows at 2 per page: page 3 holds the last two; a page past the end shows the last page
    staff = db.session.scalar(select(User).where(User.username == "staff"))
    result = completion.preview(staff, completion.ExportParams("acme", as_of=None), page=3, per_page=2)
    assert (result.page.page, result.page.pages, [r.username for r in result.page.items]) == (3, 3, ["p2", "p3"])
    result = completion.preview(staff, completion.ExportParams("acme"), page=99, per_page=2)
    assert result.page.page == 3 and [r.username for r in result.page.items] == ["p2", "p3"]
    # a last page shorter than the others: only its own rows
    result = completion.preview(staff, completion.ExportParams("acme"), page=99, per_page=4)
    assert (result.page.page, [r.username for r in result.page.items]) == (2, ["p2", "p3"])
    result = completion.preview(staff, completion.ExportParams("acme"), page=99, per_page=5)
    assert (result.page.page, [r.username for r in result.page.items]) == (2, ["p3"])


def test_download_streams_a_formula_safe_csv_with_bom_and_records_the_export(client, world):
    evil = make_user("=cmd|calc", email="@evil@example.com")
    customer = db.session.scalar(select(EnterpriseCustomer))
    make_learner(customer, evil)
    enroll(evil, world["course"])
    consent(customer, evil, world["course"].key)
    grade(evil, world["course"].key, 0.9, True)
    db.session.commit()
    client.login("staff")
    soup = client.soup(f"/completion/?customer=acme&as_of={AS_OF}")
    form = soup.find("button", string=lambda s: s and "Download CSV" in s).find_parent("form")
    fields = {i["name"]: i["value"] for i in form.find_all("input", type="hidden")}
    assert fields["as_of"] == "2026-07-01T00:00:00Z" and fields["customer"] == "acme"

    response = client.post(form["action"], data=fields)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff" + HEADER + "\r\n")
    rows = parse_csv(body)
    assert [r["username"] for r in rows] == ["'=cmd|calc", "f1", "f2", "nograde", "p1", "p2", "p3"]
    assert rows[0]["email"] == "'@evil@example.com"
    assert _exports() == 1
    records = db.session.execute(select(CompletionExportRecord.grade)).scalars().all()
    assert sorted(records) == ["", "Fail", "Fail", "Pass", "Pass", "Pass", "Pass"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "completion.export"))
    assert event.actor.username == "staff" and "7 records, 1 skipped" in event.summary


def test_only_changes_on_the_page(client, world):
    client.login("staff")
    client.post("/completion/export.csv", data={"customer": "acme", "as_of": AS_OF}).get_data()
    record = db.session.scalar(select(GradeRecord).join(User).where(User.username == "f1"))
    record.passed, record.percent = True, 0.95
    db.session.commit()

    soup = client.soup(f"/completion/?customer=acme&as_of={AS_OF}&only_changes=y&view=skipped&reason=unchanged")
    assert "1 in the file" in _text(soup)
    assert len([tr for tr in soup.select("table.table tbody tr") if len(tr.find_all("td")) == 5]) == 5
    assert _exports() == 1  # previewing recorded nothing

    rows = parse_csv(
        client.post("/completion/export.csv", data={"customer": "acme", "as_of": AS_OF, "only_changes": "y"}).get_data(
            as_text=True
        )
    )
    assert [(r["username"], r["grade"]) for r in rows] == [("f1", "Pass")]
    assert _exports() == 2
    soup = client.soup(f"/completion/?customer=acme&as_of={AS_OF}&only_changes=y")
    assert "0 in the file" in _text(soup)
    latest = db.session.scalar(select(func.max(CompletionExport.id)))
    assert f"Last export #{latest} on" in _text(soup)


def test_a_bad_as_of_date_is_a_form_error(client, world):
    client.login("staff")
    soup = client.soup("/completion/?customer=acme&as_of=last+tuesday")
    assert "Not an ISO 8601 date" in soup.select_one(".field-error").get_text()
    assert client.post("/completion/export.csv", data={"customer": "acme", "as_of": "nope"}).status_code == 400
    assert _exports() == 0


def test_an_unknown_customer_is_refused(client, world):
    client.login("staff")
    assert client.get("/completion/?customer=nobody").status_code == 200  # not a choice: form error
    assert client.post("/completion/export.csv", data={"customer": "nobody"}).status_code == 400


@pytest.mark.parametrize("username", ["course_staff", "p1"])
def test_course_staff_and_learners_get_403(client, world, username):
    client.login(username)
    assert client.get("/completion/").status_code == 403
    assert client.get(f"/completion/?customer=acme&as_of={AS_OF}").status_code == 403
    assert client.post("/completion/export.csv", data={"customer": "acme", "as_of": AS_OF}).status_code == 403
    assert _exports() == 0


def test_nav_shows_the_page_to_global_staff_only(client, world):
    client.login("staff")
    assert client.soup("/").find("a", string="Completion export") is not None
    client.login("course_staff")
    assert client.soup("/").find("a", string="Completion export") is None


def test_the_recording_download_is_a_post_with_a_csrf_token(client, world):
    client.login("staff")
    assert client.get(f"/completion/export.csv?customer=acme&as_of={AS_OF}").status_code == 405
    refused = client.post("/completion/export.csv", data={"customer": "acme", "as_of": AS_OF}, csrf=False)
    assert refused.status_code == 400
    assert _exports() == 0  # a link from another site can no longer record an export
