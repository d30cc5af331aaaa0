"""Edge inputs at the doors: huge ids, extreme dates, non-ASCII case-insensitive matching."""

from __future__ import annotations

from tests.builders import make_user, staff_world
from webapp.extensions import db


def test_ids_too_large_for_the_database_are_404_not_500(client):
    staff_world()
    client.login("staff")
    for url in ("/plans/99999999999999999999999", "/plans/0", "/plans/99999999999999999999999/errors.csv"):
        assert client.get(url).status_code == 404, url
    assert client.post("/plans/99999999999999999999999/apply").status_code == 404


def test_audit_filter_at_the_end_of_time_is_fine(client):
    staff_world()
    client.login("staff")
    assert client.get("/audit/?since=0001-01-01&until=9999-12-31").status_code == 200


def test_non_ascii_usernames_match_case_insensitively(client):
    make_user("Émile", email="ÉMILE@exämple.com", password="edx")
    db.session.commit()
    assert client.login("émile").status_code == 302
    client.post("/logout")
    assert client.login("émile@EXÄMPLE.com").status_code == 302
