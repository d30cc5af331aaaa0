"""Every page, download and form of invalidations and issued certificates checks course permission."""

from __future__ import annotations

import io

import pytest

from tests.builders import invalidate, make_course, make_course_staff, make_user
from tests.invalidations.helpers import COURSE, status_of, world
from webapp.extensions import db
from webapp.models import Plan
from webapp.statuses import CertificateStatus

BASE = f"/courses/{COURSE}/certificates"


@pytest.fixture
def w(client):
    data = world()
    data["inv"] = invalidate(data["fi_cert"])
    make_course_staff(make_user("other_staff"), make_course("course-v1:edX+Other+2026"))
    db.session.commit()
    return data


@pytest.mark.parametrize("username", ["outsider", "other_staff", "ana"])
def test_refused_for_users_who_are_not_staff_of_the_course(client, w, username):
    client.login(username)
    for url in (f"{BASE}/", f"{BASE}/issued.csv", f"{BASE}/invalidations", f"{BASE}/invalidations.csv"):
        assert client.get(url).status_code == 403, url
    upload = client.post(
        f"{BASE}/invalidations/upload",
        data={"file": (io.BytesIO(b"ana\n"), "r.csv"), "encoding": "utf-8"},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 403
    assert client.post(f"{BASE}/invalidations/one", data={"identifier": "ana"}).status_code == 403
    assert client.post(f"{BASE}/invalidations/{w['inv'].id}/revalidate").status_code == 403
    assert status_of(w["ana"]) == CertificateStatus.DOWNLOADABLE
    assert status_of(w["fi"]) == CertificateStatus.UNAVAILABLE
    assert db.session.scalar(db.select(db.func.count(Plan.id))) == 0


@pytest.mark.parametrize("username", ["staff", "course_staff"])
def test_allowed_for_global_and_course_staff(client, w, username):
    client.login(username)
    for url in (f"{BASE}/", f"{BASE}/issued.csv", f"{BASE}/invalidations", f"{BASE}/invalidations.csv"):
        assert client.get(url).status_code == 200, url


def test_anonymous_is_sent_to_login(client, w):
    response = client.get(f"{BASE}/invalidations")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_course_is_not_found(client, w):
    client.login("staff")
    assert client.get("/courses/course-v1:edX+Nope+2026/certificates/").status_code == 404


def test_deprecated_course_key_urls_work(client, w):
    from tests.builders import make_certificate

    course = make_course("edX/Old/2026", name="Old Course")
    make_certificate(make_user("oldie"), course)
    db.session.commit()
    client.login("staff")
    soup = client.soup("/courses/edX/Old/2026/certificates/")
    assert "oldie" in soup.select_one("#issued-certificates").get_text()
    assert client.get("/courses/edX/Old/2026/certificates/invalidations").status_code == 200
