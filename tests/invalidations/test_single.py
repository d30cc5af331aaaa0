"""Invalidate one learner from the form and re-validate one from the list: same rules as the bulk upload."""

from __future__ import annotations

import pytest

from tests.builders import allow, invalidate, make_certificate, make_course, make_user
from tests.invalidations.helpers import COURSE, invalidations_count, status_of, world
from tests.refusing_database import certificate_fails_once_planned, database_refuses
from webapp.extensions import db
from webapp.models import Invalidation, Plan
from webapp.statuses import CertificateStatus

PAGE = f"/courses/{COURSE}/certificates/invalidations"


@pytest.fixture
def w(client):
    data = world()
    client.login("instructor")
    return data


def test_invalidate_one_learner_shows_in_the_list(client, w):
    response = client.post(
        f"{PAGE}/one", data={"identifier": "ANA@example.com", "notes": "copied answers"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert (
        "ana &lt;ana@example.com&gt;: invalidate the certificate; "
        "certificate Received (grade 0.9) becomes unavailable; grade cleared" in response.get_data(as_text=True)
    )
    assert status_of(w["ana"]) == CertificateStatus.UNAVAILABLE
    soup = client.soup(PAGE)
    cells = [td.get_text(" ", strip=True) for td in soup.select("#invalidations tbody tr")[0].find_all("td")]
    assert cells[0].startswith("ana")
    assert "Not Received" in cells[1] and "was Received" in cells[1]
    assert cells[2:6] == ["copied answers", "instructor", cells[4], "Active"]


@pytest.mark.parametrize(
    ("identifier", "code"),
    [
        ("ghost", "unknown_learner"),
        ("nocert", "no_certificate"),
        ("cy", "certificate_not_valid"),
        ("allowed", "on_allowlist"),
    ],
)
def test_invalidate_one_refused_by_a_rule(client, w, identifier, code):
    allowed = make_user("allowed")
    allow(allowed, w["course"])
    make_certificate(allowed, w["course"])
    db.session.commit()
    response = client.post(f"{PAGE}/one", data={"identifier": identifier, "notes": "n"})
    assert response.status_code == 400
    soup = __import__("bs4").BeautifulSoup(response.data, "html.parser")
    error = soup.select_one(".field-error").get_text()
    assert f"({code})" in error
    assert invalidations_count() == 0
    assert db.session.scalar(db.select(db.func.count(Plan.id))) == 0  # a refused row leaves no plan behind


def test_invalidate_one_already_invalidated_updates_or_leaves_notes(client, w):
    invalidate(w["ana_cert"], notes="old")
    db.session.commit()
    client.post(f"{PAGE}/one", data={"identifier": "ana", "notes": "new"})
    client.post(f"{PAGE}/one", data={"identifier": "ana", "notes": "new"})
    rows = db.session.scalars(db.select(Invalidation)).all()
    assert [(r.notes, r.active, r.status_before) for r in rows] == [("new", True, "downloadable")]


def test_revalidate_restores_the_previous_status_and_keeps_history(client, w):
    client.post(f"{PAGE}/one", data={"identifier": "fi", "notes": "suspicious"})
    inv = db.session.scalar(db.select(Invalidation))
    assert status_of(w["fi"]) == CertificateStatus.UNAVAILABLE
    response = client.post(f"{PAGE}/{inv.id}/revalidate", follow_redirects=True)
    assert "re-validate: the certificate goes back to downloadable with its grade" in response.get_data(as_text=True)
    db.session.expire_all()
    assert status_of(w["fi"]) == CertificateStatus.DOWNLOADABLE
    soup = client.soup(PAGE)
    row = soup.select("#invalidations tbody tr")[0]
    assert "Re-validated" in row.get_text() and row.find("button") is None
    again = client.post(f"{PAGE}/{inv.id}/revalidate", follow_redirects=True)
    assert "already re-validated" in again.get_data(as_text=True)


def test_revalidate_an_invalidation_of_another_course_is_not_found(client, w):
    other = make_course("course-v1:edX+Other+2026")
    inv = invalidate(make_certificate(make_user("zed"), other))
    db.session.commit()
    assert client.post(f"{PAGE}/{inv.id}/revalidate").status_code == 404
    assert status_of(db.session.get(Invalidation, inv.id).certificate.user) == CertificateStatus.UNAVAILABLE


def test_revalidate_without_csrf_token_is_refused(client, w):
    inv = invalidate(w["ana_cert"])
    db.session.commit()
    assert client.post(f"{PAGE}/{inv.id}/revalidate", csrf=False).status_code == 400
    assert status_of(w["ana"]) == CertificateStatus.UNAVAILABLE


def _flashes(response) -> dict[str, list[str]]:
    soup = __import__("bs4").BeautifulSoup(response.data, "html.parser")
    found: dict[str, list[str]] = {}
    for p in soup.select(".flash"):
        category = next(c for c in p["class"] if c.startswith("flash-"))
        found.setdefault(category.removeprefix("flash-"), []).append(p.get_text(" ", strip=True))
    return found


def test_invalidate_one_whose_write_fails_is_refused_not_reported_done(client, w):
    with database_refuses("invalidations", "INSERT"):
        response = client.post(f"{PAGE}/one", data={"identifier": "ana", "notes": "copied"}, follow_redirects=True)
    assert response.status_code == 400
    soup = __import__("bs4").BeautifulSoup(response.data, "html.parser")
    error = soup.select_one(".field-error").get_text(" ", strip=True)
    assert error.startswith("ana <ana@example.com>: nothing was written: ")  # the reason the database gave
    assert "success" not in _flashes(response)
    db.session.expire_all()
    assert status_of(w["ana"]) == CertificateStatus.DOWNLOADABLE
    assert invalidations_count() == 0


def test_revalidate_whose_write_fails_is_refused_not_reported_done(client, w):
    inv = invalidate(w["ana_cert"], notes="old")
    db.session.commit()
    with database_refuses("invalidations", "UPDATE"):
        response = client.post(f"{PAGE}/{inv.id}/revalidate", follow_redirects=True)
    flashes = _flashes(response)
    assert "success" not in flashes
    assert [m.startswith("ana <ana@example.com>: nothing was written: ") for m in flashes["error"]] == [True]
    db.session.expire_all()
    assert status_of(w["ana"]) == CertificateStatus.UNAVAILABLE
    assert db.session.get(Invalidation, inv.id).active


def test_invalidate_one_gone_stale_before_its_apply_is_refused_not_reported_done(client, w):
    with certificate_fails_once_planned():
        response = client.post(f"{PAGE}/one", data={"identifier": "ana", "notes": "copied"}, follow_redirects=True)
    assert response.status_code == 400
    soup = __import__("bs4").BeautifulSoup(response.data, "html.parser")
    error = soup.select_one(".field-error").get_text(" ", strip=True)
    assert error == "ana <ana@example.com>: the data changed meanwhile; nothing was written. Try again."
    assert "success" not in _flashes(response)
    assert invalidations_count() == 0
