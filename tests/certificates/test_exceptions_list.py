"""The allowlist page and its CSV download; permissions and CSRF on every door."""

from __future__ import annotations

import io

import pytest

from tests.builders import allow, make_course_staff, make_user
from tests.certificates.helpers import COURSE_A, allowlist, exceptions_url, plan_id_of, upload, world_with_learners
from webapp.extensions import db
from webapp.models import Course, Plan


def test_allowlist_lists_notes_who_and_when_and_searches(client):
    w = world_with_learners()
    allow(w["ann"], w["course_a"], notes="Medical leave", created_by=w["staff"])
    allow(w["bob"], w["course_a"], notes="Late enrollment")
    db.session.commit()
    client.login("course_staff")
    soup = client.soup(exceptions_url())
    table = soup.find("table").get_text()
    assert "ann@example.org" in table and "Medical leave" in table and "staff" in table
    assert "Late enrollment" in table
    searched = client.soup(exceptions_url() + "?q=BOB@exam").find("table").get_text()
    assert "bob" in searched and "ann" not in searched
    # the course staff role sees the list but no change controls (domain §0)
    assert soup.find("form", attrs={"enctype": "multipart/form-data"}) is None
    assert "Only global staff and the course's instructors may change certificates" in soup.get_text()
    client.login("instructor")
    soup = client.soup(exceptions_url())
    assert soup.find("form", attrs={"enctype": "multipart/form-data"}).find("input", attrs={"name": "file"})
    assert soup.find("label", attrs={"for": "file"}) and soup.find("label", attrs={"for": "remove_file"})
    assert soup.find("a", href=f"/courses/{COURSE_A}/plans")


def test_allowlist_is_paginated(client):
    w = world_with_learners(0)
    for i in range(55):
        allow(make_user(f"p{i:02d}"), w["course_a"])
    db.session.commit()
    client.login("staff")
    first = client.soup(exceptions_url()).get_text()
    second = client.soup(exceptions_url() + "?page=2").get_text()
    assert "p00" in first and "p54" not in first and "p54" in second and "1–50 of 55" in first


def test_allowlist_download_is_formula_safe(client):
    w = world_with_learners()
    allow(w["ann"], w["course_a"], notes="=cmd|' /C calc'!A0")
    allow(w["bob"], w["course_a"], notes="-2+3")
    db.session.commit()
    client.login("course_staff")
    response = client.get(exceptions_url() + ".csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeffusername,email,full_name,notes,created,created_by")
    assert "'=cmd" in text and "'-2+3" in text


@pytest.mark.parametrize(
    "method,suffix",
    [
        ("get", ""),
        ("get", ".csv"),
        ("post", "/upload"),
        ("post", "/remove-upload"),
        ("post", "/add"),
        ("get", "/{ann}/remove"),
        ("post", "/{ann}/remove"),
    ],
)
def test_course_staff_of_another_course_gets_403(client, method, suffix):
    w = world_with_learners()
    allow(w["ann"], w["course_a"])
    other = make_user("other_staff")
    make_course_staff(other, w["course_b"])
    db.session.commit()
    client.login("other_staff")
    url = exceptions_url() + suffix.format(ann=w["ann"].id)
    data = {"file": (io.BytesIO(b"ann\n"), "r.csv"), "encoding": "utf-8", "identifier": "ann"}
    response = client.get(url) if method == "get" else client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 403
    assert allowlist(w["course_a"]) == {"ann": ""}
    assert db.session.query(Plan).count() == 0


def test_plan_pages_and_apply_refused_to_staff_of_another_course(client):
    world_with_learners()
    other = make_user("other_staff")
    make_course_staff(other, db.session.query(Course).filter_by(key="edX/B/2026").one())
    db.session.commit()
    client.login("instructor")
    plan_id = plan_id_of(upload(client, b"ann\n"))
    client.login("other_staff")
    for url in (f"/plans/{plan_id}", f"/plans/{plan_id}/errors.csv"):
        assert client.get(url).status_code == 404  # a plan one may not see answers as a missing one
    # The apply is refused the same way; nothing written.
    assert client.post(f"/plans/{plan_id}/apply", follow_redirects=True).status_code == 404
    assert db.session.get(Plan, plan_id).status == "previewed"
    assert allowlist(db.session.get(Plan, plan_id).course) == {}
    client.login("learner")
    assert client.get(exceptions_url()).status_code == 403


def test_csrf_is_required(client):
    w = world_with_learners()
    allow(w["bob"], w["course_a"])
    db.session.commit()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann\n"))
    assert client.post(f"/plans/{plan_id}/apply", data={}, csrf=False).status_code == 400
    response = client.post(
        exceptions_url() + "/upload",
        csrf=False,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"ann\n"), "r.csv"), "encoding": "utf-8"},
    )
    assert response.status_code == 400
    assert client.post(exceptions_url() + "/add", data={"identifier": "ann"}, csrf=False).status_code == 400
    assert client.post(f"{exceptions_url()}/{w['bob'].id}/remove", data={}, csrf=False).status_code == 400
    assert allowlist(w["course_a"]) == {"bob": ""}


def test_deprecated_course_key_pages_work(client):
    w = world_with_learners(1)
    from tests.builders import enroll

    enroll(w["ann"], w["course_b"])
    db.session.commit()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann,legacy\n", course_key="edX/B/2026"))
    client.post(f"/plans/{plan_id}/apply")
    assert "legacy" in client.soup(exceptions_url("edX/B/2026")).find("table").get_text()
    response = client.get(exceptions_url("edX/B/2026") + ".csv")
    assert response.status_code == 200 and "ann,ann@example.org,,legacy" in response.data.decode()
    assert allowlist(w["course_a"]) == {}


@pytest.mark.parametrize("walk_from", [3, 10**9], ids=["walking the users", "sorting the list"])
def test_allowlist_pages_are_the_same_whichever_way_they_are_read(app, monkeypatch, walk_from):
    """A list naming most users is paged by walking the users in username order, a short one by sorting it
    (LIST_USER_WALK_FROM): the same entries, case-insensitive order, count and last page either way."""
    from webapp.services.certificates.exceptions import allowlist_page

    monkeypatch.setitem(app.config, "LIST_USER_WALK_FROM", walk_from)
    w = world_with_learners(0)
    for name in ("bob", "Alice", "carol", "Dave", "eve", "Frank"):
        allow(make_user(name), w["course_a"])
    allow(make_user("gina"), w["course_b"])  # another course's entry never shows
    db.session.commit()
    pages = [allowlist_page(w["staff"], COURSE_A, page=n, per_page=2)[1] for n in (1, 2, 3, 4)]
    assert [[e.user.username for e in p.items] for p in pages] == [
        ["Alice", "bob"],
        ["carol", "Dave"],
        ["eve", "Frank"],
        ["eve", "Frank"],  # past the end: the last page
    ]
    assert [(p.page, p.total) for p in pages] == [(1, 6), (2, 6), (3, 6), (3, 6)]
