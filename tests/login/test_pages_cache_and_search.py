"""Logged-in pages are never cached (`Cache-Control: no-store`); every list search takes `%`, `_` and `\\`
literally (one helper, webapp/services/search.py)."""

from __future__ import annotations

import pytest

from tests.academies.builders import make_academy
from tests.builders import allow, make_user, staff_world
from tests.certificates.helpers import exceptions_url, world_with_learners
from webapp.extensions import db


def test_logged_in_pages_and_downloads_are_not_stored_by_caches(client):
    staff_world()
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    client.login("staff")
    for url in ("/", "/courses/course-v1:edX+A+2026/", "/audit/", "/audit/events.csv", "/nope"):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")


@pytest.mark.parametrize("typed", ["%", "_", "\\"])
def test_the_allowlist_search_takes_wildcards_literally(client, typed):
    w = world_with_learners()
    allow(w["ann"], w["course_a"])
    allow(make_user("under_score"), w["course_a"])
    db.session.commit()
    client.login("staff")
    found = client.soup(exceptions_url(), query_string={"q": typed}).find("table")
    names = found.get_text() if found else ""
    assert ("under_score" in names) == (typed == "_") and "ann" not in names


@pytest.mark.parametrize("typed", ["%", "\\", "pl%n"])
def test_the_academy_search_takes_wildcards_literally(client, typed):
    staff_world()
    make_academy("Plain")
    db.session.commit()
    client.login("staff")
    assert "No academy matches" in client.soup("/academies/", query_string={"q": typed}).get_text()
    assert "No academy matches" not in client.soup("/academies/", query_string={"q": "PLA"}).get_text()
