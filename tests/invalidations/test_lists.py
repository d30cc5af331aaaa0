"""The issued-certificates list (filters, counts, search, special case, CSV) and the invalidation list."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import event

from tests.builders import allow, enroll, invalidate, make_certificate, make_user
from tests.invalidations.helpers import COURSE, world
from webapp.extensions import db
from webapp.statuses import CertificateStatus

ISSUED = f"/courses/{COURSE}/certificates/"
INVALIDATIONS = f"/courses/{COURSE}/certificates/invalidations"


@pytest.fixture
def w(client):
    data = world()
    course = data["course"]
    # gus: on the allowlist with a downloadable certificate; hal: audit not passing; ana: invalidated.
    data["gus"] = make_user("gus", full_name='=HYPERLINK("http://evil")')
    allow(data["gus"], course, notes="granted")
    make_certificate(data["gus"], course, CertificateStatus.DOWNLOADABLE)
    data["hal"] = make_user("hal")
    make_certificate(data["hal"], course, CertificateStatus.AUDIT_NOTPASSING)
    invalidate(data["ana_cert"], notes="=cmd|' /C calc'!A0", by=data["staff"])
    db.session.commit()
    client.login("instructor")
    return data


def usernames(soup) -> list[str]:
    return [tr.find("td").get_text(" ", strip=True).split()[0] for tr in soup.select("#issued-certificates tbody tr")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ["ana", "bo", "cy", "di", "ed", "fi", "gus", "hal"]),
        ("received", ["fi", "gus"]),
        ("not_received", ["ana", "cy"]),
        ("audit_passing", ["di"]),
        ("audit_not_passing", ["hal"]),
        ("error_state", ["ed"]),
        ("granted_exceptions", ["gus"]),
        ("invalidated", ["ana"]),
    ],
)
def test_each_filter_returns_the_right_learners(client, w, value, expected):
    soup = client.soup(ISSUED + (f"?filter={value}" if value else ""))
    assert usernames(soup) == expected
    active = soup.select_one(".tabs a.active").get_text(" ", strip=True)
    assert active.endswith(str(len(expected)))


def test_tabs_show_every_label_with_its_count(client, w):
    soup = client.soup(ISSUED)
    tabs = [a.get_text(" ", strip=True) for a in soup.select(".tabs a")]
    assert tabs == [
        "All Learners 8",
        "Received 2",
        "Not Received 2",
        "Audit - Passing 1",
        "Audit - Not Passing 1",
        "Error State 1",
        "Granted Exceptions 1",
        "Invalidated 1",
    ]


def test_rows_show_the_special_case(client, w):
    soup = client.soup(ISSUED)
    special = {
        tr.find("td").get_text(" ", strip=True).split()[0]: tr.find_all("td")[4].get_text(strip=True)
        for tr in soup.select("#issued-certificates tbody tr")
    }
    assert special["ana"] == "Invalidation" and special["gus"] == "Exception" and special["fi"] == "—"


def test_search_by_username_or_email_applies_to_list_and_counts(client, w):
    soup = client.soup(ISSUED + "?q=GUS@EXAMPLE")
    assert usernames(soup) == ["gus"]
    assert soup.select_one(".tabs a").get_text(" ", strip=True) == "All Learners 1"
    assert usernames(client.soup(ISSUED + "?q=b&filter=received")) == []
    assert usernames(client.soup(ISSUED + "?q=b")) == ["bo"]


def test_issued_pagination(client, w):
    for n in range(50):
        make_certificate(make_user(f"zz{n:02d}"), w["course"])
    db.session.commit()
    first, second = client.soup(ISSUED), client.soup(ISSUED + "?page=2")
    assert len(usernames(first)) == 50 and usernames(second) == [
        "zz42",
        "zz43",
        "zz44",
        "zz45",
        "zz46",
        "zz47",
        "zz48",
        "zz49",
    ]
    assert "51–58 of 58" in second.select_one(".pager").get_text()
    received = client.soup(ISSUED + "?filter=received&page=2")  # the filter's count pages the filtered list
    assert usernames(received) == ["zz48", "zz49"]
    assert "51–52 of 52" in received.select_one(".pager").get_text()


def test_counts_do_not_cost_a_query_per_row(client, w, app):
    def count_queries(url: str) -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            client.get(url)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    db.session.commit()  # same starting point as below: nothing cached in the session
    few = count_queries(ISSUED)
    for n in range(30):
        user = make_user(f"many{n}")
        enroll(user, w["course"])
        cert = make_certificate(user, w["course"])
        if n % 3 == 0:
            allow(user, w["course"])
        elif n % 3 == 1:
            invalidate(cert)
    db.session.commit()
    assert count_queries(ISSUED) == few


def test_issued_csv_download_of_the_current_filter_is_formula_safe(client, w):
    response = client.get(ISSUED + "issued.csv?filter=granted_exceptions")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [
        "username",
        "email",
        "enrollment_track",
        "status",
        "special_case",
        "exception_granted",
        "exception_notes",
        "invalidated_by",
        "invalidation_date",
        "invalidation_note",
        "grade",
        "created",
    ]
    assert [r[:7] for r in rows[1:]] == [["gus", "gus@example.com", "", "Received", "Exception", rows[1][5], "granted"]]
    all_rows = list(csv.reader(io.StringIO(client.get(ISSUED + "issued.csv").get_data(as_text=True))))
    assert len(all_rows) == 9
    ana = next(r for r in all_rows if r[0] == "ana")
    assert ana[2:5] == ["Verified", "Not Received", "Invalidation"]
    assert ana[7] == "staff" and ana[8] and ana[9] == "'=cmd|' /C calc'!A0"  # formula-safe


def test_invalidation_list_states_search_and_csv(client, w):
    client.post(f"{INVALIDATIONS}/one", data={"identifier": "fi", "notes": "later"})
    inv_id = int(client.soup(INVALIDATIONS).select("#invalidations form")[0]["action"].split("/")[-2])
    client.post(f"{INVALIDATIONS}/{inv_id}/revalidate")
    soup = client.soup(INVALIDATIONS)
    assert [a.get_text(" ", strip=True) for a in soup.select(".tabs a")] == ["All 2", "Active 1", "Re-validated 1"]
    active = client.soup(INVALIDATIONS + "?state=active")
    assert [tr.find("td").get_text().split()[0] for tr in active.select("#invalidations tbody tr")] == ["ana"]
    found = client.soup(INVALIDATIONS + "?q=fi@")
    assert [tr.find("td").get_text().split()[0] for tr in found.select("#invalidations tbody tr")] == ["fi"]
    text = client.get(INVALIDATIONS + ".csv?state=all").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [
        "username",
        "email",
        "certificate_status",
        "status_before",
        "notes",
        "invalidated_by",
        "invalidated_at",
        "state",
    ]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["ana"][4] == "'=cmd|' /C calc'!A0" and by_name["ana"][5] == "staff"
    assert by_name["ana"][7] == "active" and by_name["fi"][7] == "revalidated"
    assert by_name["fi"][2] == "downloadable" and by_name["fi"][5] == "instructor"


def test_invalidation_list_pagination(client, w):
    for n in range(55):
        invalidate(make_certificate(make_user(f"p{n:02d}"), w["course"]))
    db.session.commit()
    second = client.soup(INVALIDATIONS + "?page=2")
    assert len(second.select("#invalidations tbody tr")) == 6
    assert "51–56 of 56" in second.select_one(".pager").get_text()


@pytest.mark.parametrize("q", ["%", "_"])
def test_search_wildcards_are_literal_characters(client, w, q):
    assert usernames(client.soup(ISSUED, query_string={"q": q})) == []
    assert client.soup(INVALIDATIONS, query_string={"q": q}).select("#invalidations tbody tr") == []
    response = client.get(ISSUED + "issued.csv", query_string={"q": q})
    assert response.status_code == 200 and len(list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))) == 1


def test_counts_without_a_search_match_those_of_a_search_naming_everyone(client, w):
    """Without a search the counts are read from the course's own tables (an exception without a certificate
    counted on its own); a search counts over the joined list: the same figures either way."""
    allow(make_user("ivy"), w["course"], notes="no certificate yet")
    db.session.commit()

    def tabs(url: str) -> list[str]:
        return [a.get_text(" ", strip=True) for a in client.soup(url).select(".tabs a")]

    whole = tabs(ISSUED)
    assert whole == [
        "All Learners 9",
        "Received 2",
        "Not Received 2",
        "Audit - Passing 1",
        "Audit - Not Passing 1",
        "Error State 1",
        "Granted Exceptions 2",
        "Invalidated 1",
    ]
    assert tabs(ISSUED + "?q=example") == whole


@pytest.mark.parametrize("walk_from", [3, 10**9], ids=["walking the users", "sorting the list"])
def test_all_learners_pages_are_the_same_whichever_way_they_are_read(app, monkeypatch, w, walk_from):
    """The All Learners list (no search) naming most users is paged by walking the users in username order, a
    short one by sorting it (LIST_USER_WALK_FROM): the same learners, order, count and last page either way."""
    from webapp.services.certificates.issued import issued_list

    monkeypatch.setitem(app.config, "LIST_USER_WALK_FROM", walk_from)
    allow(make_user("Ivy"), w["course"])  # an exception without a certificate is listed too
    make_certificate(make_user("Bea"), w["course"], CertificateStatus.NOTPASSING)
    db.session.commit()
    pages = [issued_list(w["staff"], COURSE, page=n, per_page=4).page for n in (1, 2, 3, 4)]
    assert [[r.user.username for r in p.items] for p in pages] == [
        ["ana", "Bea", "bo", "cy"],
        ["di", "ed", "fi", "gus"],
        ["hal", "Ivy"],
        ["hal", "Ivy"],  # past the end: the last page
    ]
    assert [(p.page, p.total) for p in pages] == [(1, 10), (2, 10), (3, 10), (3, 10)]
    assert pages[0].items[0].special_case == "invalidated" and pages[2].items[1].special_case == "exception"
