"""The generation toggle on the course's certificates page: state, one POST flips it, audited, permissions."""

from __future__ import annotations

import pytest

from tests.invalidations.helpers import COURSE, world
from webapp.extensions import db
from webapp.models import AuditEvent, Course

ISSUED = f"/courses/{COURSE}/certificates/"
TOGGLE = f"/courses/{COURSE}/certificates/generation"


@pytest.fixture
def w(client):
    data = world()
    client.login("instructor")
    return data


def enabled() -> bool:
    db.session.expire_all()
    return db.session.scalar(db.select(Course.certificates_enabled).where(Course.key == COURSE))


def test_page_shows_the_state_and_the_consequence(client, w):
    card = client.soup(ISSUED).select_one("section.card")
    text = card.get_text(" ", strip=True)
    assert "Learners can generate their own certificates On" in text and "Global switch On" in text
    assert "Learners can request certificates now yes" in text
    assert card.find("button").get_text(strip=True) == "Stop learners generating their own certificates"
    consequence = card.select_one("#generation-consequence")
    assert (
        "stops learners of this course (when self-paced) from requesting their own certificate"
        in consequence.get_text()
    )
    assert consequence.find_next("button") is card.find("button")  # stated before the click


def test_one_post_flips_the_switch_and_is_audited(client, w):
    form = client.soup(ISSUED).select_one("section.card form")
    enable = form.find("input", {"name": "enable"})["value"]
    response = client.post(TOGGLE, data={"enable": enable}, follow_redirects=True)
    assert "Learner self-generation of certificates is now off for this course." in response.get_data(as_text=True)
    assert enabled() is False
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "certificates.generation")).all()
    assert [(e.actor_name, e.course_key, e.detail) for e in events] == [
        ("instructor", COURSE, {"before": True, "after": False})
    ]
    # the course overview says so too
    overview = client.soup(f"/courses/{COURSE}/").get_text(" ", strip=True)
    assert "Learners can generate their own certificates Off" in overview
    # a second click of the same (stale) button changes nothing and is not audited
    again = client.post(TOGGLE, data={"enable": enable}, follow_redirects=True)
    assert "already off" in again.get_data(as_text=True)
    assert enabled() is False
    assert (
        db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "certificates.generation"))
        == 1
    )
    client.post(TOGGLE, data={"enable": "1"})
    assert enabled() is True


def test_global_switch_off_is_shown(client, w, app):
    app.config["CERTIFICATES_GENERATION_ENABLED"] = False
    try:
        text = client.soup(ISSUED).select_one("section.card").get_text(" ", strip=True)
    finally:
        app.config["CERTIFICATES_GENERATION_ENABLED"] = True
    assert "Global switch Off" in text and "Learners can request certificates now no" in text


def test_certificate_tabs_follow_the_global_switch_not_the_course_switch(client, w, monkeypatch, app):
    """Domain §1.5: the tabs show while CERTIFICATES_GENERATION_ENABLED is on, whatever the course switch says."""
    db.session.execute(db.update(Course).values(certificates_enabled=False))
    db.session.commit()

    def tabs() -> list[str]:
        nav = client.soup(f"/courses/{COURSE}/proctoring/").select_one("nav.course-tabs")
        return [a.get_text(strip=True) for a in nav.find_all("a")]

    assert {"Certificates", "Exceptions", "Invalidations"} <= set(tabs())
    monkeypatch.setitem(app.config, "CERTIFICATES_GENERATION_ENABLED", False)
    assert not {"Certificates", "Exceptions", "Invalidations"} & set(tabs())
    assert "Proctoring" in tabs()


@pytest.mark.parametrize("username", ["outsider", "learner_elsewhere"])
def test_toggle_refused_without_course_permission(client, w, username):
    from tests.builders import make_course, make_course_staff, make_user

    if username == "learner_elsewhere":
        make_course_staff(make_user(username), make_course("course-v1:edX+Else+2026"))
        db.session.commit()
    client.login(username)
    assert client.post(TOGGLE, data={"enable": "0"}).status_code == 403
    assert enabled() is True
    assert (
        db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "certificates.generation"))
        == 0
    )


def test_toggle_without_csrf_or_with_a_bad_value_is_refused(client, w):
    assert client.post(TOGGLE, data={"enable": "0"}, csrf=False).status_code == 400
    assert client.post(TOGGLE, data={"enable": "maybe"}).status_code == 400
    assert enabled() is True
