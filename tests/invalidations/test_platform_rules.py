"""Invalidation as the platform does it (domain §1.4) and the issued list's labels and columns (§1.1, §1.6)."""

from __future__ import annotations

import csv
import io

import pytest
from bs4 import BeautifulSoup

from tests.builders import allow, invalidate, make_certificate, make_user
from tests.invalidations.helpers import COURSE, rows_of, world
from webapp.extensions import db
from webapp.models import Certificate, Invalidation

ISSUED = f"/courses/{COURSE}/certificates/"
PAGE = f"/courses/{COURSE}/certificates/invalidations"


@pytest.fixture
def w(client):
    data = world()
    client.login("instructor")
    return data


def _cert(user) -> tuple[str, float | None]:
    db.session.expire_all()
    cert = db.session.scalar(db.select(Certificate).where(Certificate.user_id == user.id))
    return cert.status, cert.grade


@pytest.mark.parametrize("status", ["generating", "notpassing", "audit_passing", "error", "unavailable"])
def test_only_a_downloadable_certificate_can_be_invalidated(client, w, status):
    user = make_user(f"x_{status}")
    make_certificate(user, w["course"], status)
    db.session.commit()
    response = client.post(f"{PAGE}/one", data={"identifier": user.username, "notes": "n"})
    assert response.status_code == 400
    error = BeautifulSoup(response.data, "html.parser").select_one(".field-error").get_text()
    assert "Certificate is already invalid (certificate_not_valid)" in error
    assert db.session.scalar(db.select(Invalidation)) is None


@pytest.mark.parametrize("status", ["deleted", "deleting"])
def test_deleted_certificates_count_as_none(client, w, status):
    user = make_user(f"gone_{status}")
    make_certificate(user, w["course"], status)
    db.session.commit()
    response = client.post(
        f"{PAGE}/upload",
        data={"file": (io.BytesIO(f"{user.username}\n".encode()), "r.csv"), "encoding": "utf-8"},
        content_type="multipart/form-data",
    )
    plan_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert [(r.action, r.code) for r in rows_of(plan_id).values()] == [("error", "no_certificate")]


def test_invalidation_clears_the_grade_and_revalidation_restores_status_and_grade(client, w):
    assert _cert(w["ana"]) == ("downloadable", 0.9)
    client.post(f"{PAGE}/one", data={"identifier": "ana", "notes": "copied"})
    assert _cert(w["ana"]) == ("unavailable", None)
    inv = db.session.scalar(db.select(Invalidation))
    assert (inv.status_before, inv.grade_before) == ("downloadable", 0.9)
    client.post(f"{PAGE}/{inv.id}/revalidate")
    assert _cert(w["ana"]) == ("downloadable", 0.9)


def test_labels_granted_exceptions_and_special_case(client, w):
    course = w["course"]
    waiting = make_user("waiting")  # allowlisted, no certificate yet
    allow(waiting, course, notes="appeal", created_by=w["staff"])
    both = make_user("both")  # allowlisted AND invalidated: Exception wins
    allow(both, course, notes="granted later")
    invalidate(make_certificate(both, course), notes="old case", by=w["staff"])
    invalidate(w["ana_cert"], notes="copied", by=w["instructor"])
    db.session.commit()
    soup = client.soup(ISSUED)
    tabs = [a.get_text(" ", strip=True) for a in soup.select(".tabs a")]
    assert tabs == [
        "All Learners 8",
        "Received 1",
        "Not Received 3",
        "Audit - Passing 1",
        "Audit - Not Passing 0",
        "Error State 1",
        "Granted Exceptions 2",
        "Invalidated 2",
    ]
    granted = client.soup(ISSUED + "?filter=Granted Exceptions")
    header = [th.get_text(strip=True) for th in granted.select("#issued-certificates thead th")]
    assert header == [
        "Username",
        "Email",
        "Enrollment track",
        "Status",
        "Special case",
        "Exception granted (UTC)",
        "Exception notes",
        "Invalidated by",
        "Invalidation date (UTC)",
        "Invalidation note",
        "Grade",
        "Created (UTC)",
    ]
    rows = {
        tr.find("td").get_text(" ", strip=True).split()[0]: [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        for tr in granted.select("#issued-certificates tbody tr")
    }
    assert set(rows) == {"waiting", "both"}
    assert rows["waiting"][3] == "No certificate" and rows["waiting"][4] == "Exception"
    assert rows["waiting"][6] == "appeal" and rows["waiting"][5] != "—"
    assert rows["both"][4] == "Exception" and rows["both"][7] == "staff" and rows["both"][9] == "old case"
    ana = client.soup(ISSUED + "?filter=invalidated").select_one("#issued-certificates tbody tr")
    cells = [td.get_text(" ", strip=True) for td in ana.find_all("td")]
    assert cells[2:5] == ["Verified", "Not Received", "Invalidation"]
    assert cells[7] == "instructor" and cells[9] == "copied"
    text = client.get(ISSUED + "issued.csv?filter=granted_exceptions").get_data(as_text=True)
    exported = {r[0]: r for r in csv.reader(io.StringIO(text.lstrip("\ufeff")))}
    assert exported["waiting"][3:7] == ["No certificate", "Exception", exported["waiting"][5], "appeal"]
    assert exported["both"][4] == "Exception" and exported["both"][7:10][0] == "staff"
