"""A learner identifier names the user with that email, else the user with that username; both in any
case; a username may contain '@' (domain §0). Every door: roster upload, single add form, CLI `--as`, login."""

from __future__ import annotations

import json

import pytest

from tests.builders import allow, enroll, invalidate, make_certificate, make_user
from tests.certificates.helpers import (
    COURSE_A,
    allowlist,
    exceptions_url,
    plan_id_of,
    rows_of,
    upload,
    world_with_learners,
)
from webapp.extensions import db


@pytest.fixture
def w():
    """Learners whose usernames contain '@': `zed@corp` (nobody's email) and `ann@example.org`, which is
    also ann's email. All enrolled in course A."""
    world = world_with_learners(2)
    world["zed"] = make_user("zed@corp", email="zed@example.org")
    world["twin"] = make_user("ann@example.org", email="twin@example.org")
    for user in (world["zed"], world["twin"]):
        enroll(user, world["course_a"])
    db.session.commit()
    return world


@pytest.mark.parametrize("scan", [False, True], ids=["batched-in", "full-scan"])
def test_roster_upload_resolves_email_first_then_usernames_with_at(app, client, w, monkeypatch, scan):
    # a roster naming a large share of all users reads the users table in one scan
    monkeypatch.setitem(app.config, "ROSTER_FULL_SCAN_MIN", 0 if scan else 10_000)
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ZED@Corp,by username\nANN@example.org,email wins\nTwin@Example.org,tw\n"))
    rows = rows_of(plan_id)
    assert [(n, r.action, r.code or "") for n, r in sorted(rows.items())] == [
        (1, "create", ""),
        (2, "create", ""),
        (3, "create", ""),
    ]
    client.post(f"/plans/{plan_id}/apply")
    assert allowlist(w["course_a"]) == {"zed@corp": "by username", "ann": "email wins", "ann@example.org": "tw"}


def test_single_add_form_finds_a_username_with_at(client, w):
    client.login("staff")
    response = client.post(f"{exceptions_url()}/add", data={"identifier": " Zed@CORP ", "notes": "one"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert allowlist(w["course_a"]) == {"zed@corp": "one"}


def test_cli_as_accepts_a_username_with_at_or_an_email(runner, w, tmp_path):
    make_user("ops@corp", email="ops@example.org", is_staff=True)
    db.session.commit()
    path = tmp_path / "r.csv"
    path.write_bytes(b"bob\n")
    for actor in ("OPS@corp", "ops@EXAMPLE.org"):
        result = runner.invoke(
            args=["certificates", "import-exceptions", str(path), "--course", COURSE_A, "--as", actor, "--json"]
        )
        assert result.exit_code == 0, (actor, result.output)
        assert json.loads(result.output)["status"] == "applied"
    assert allowlist(w["course_a"]) == {"bob": ""}


def test_login_with_a_username_that_contains_at(client, w):
    make_user("ops@corp", email="ops@example.org", is_staff=True)
    db.session.commit()
    response = client.login("Ops@Corp")
    assert response.status_code == 302 and "/login" not in response.headers["Location"]


def test_removing_the_exception_of_a_username_that_is_someone_elses_email_removes_that_learners(client, w):
    """twin's username `ann@example.org` is ann's email: the page acts on twin (by id), never on ann."""
    allow(w["ann"], w["course_a"], notes="ann's")
    allow(w["twin"], w["course_a"], notes="twin's")
    db.session.commit()
    client.login("staff")
    confirm = client.soup(f"{exceptions_url()}/{w['twin'].id}/remove")
    assert "ann@example.org" in confirm.get_text()
    response = client.post(f"{exceptions_url()}/{w['twin'].id}/remove")
    assert response.status_code == 302
    assert allowlist(w["course_a"]) == {"ann": "ann's"}


def test_revalidating_a_username_that_is_someone_elses_email_revalidates_that_learner(client, w):
    from webapp.models import Invalidation

    invalidation = invalidate(make_certificate(w["twin"], w["course_a"]), notes="copied")
    db.session.commit()
    client.login("staff")
    response = client.post(f"/courses/{COURSE_A}/certificates/invalidations/{invalidation.id}/revalidate")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Invalidation, invalidation.id).active is False


def test_revert_of_an_import_acts_on_the_learners_it_changed(client, w):
    allow(w["ann"], w["course_a"], notes="ann's")
    db.session.commit()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"twin@example.org,twin's\n"))
    client.post(f"/plans/{plan_id}/apply")
    assert allowlist(w["course_a"]) == {"ann": "ann's", "ann@example.org": "twin's"}
    revert = client.post(f"/plans/{plan_id}/revert")
    client.post(f"{revert.headers['Location']}/apply")
    assert allowlist(w["course_a"]) == {"ann": "ann's"}
