"""Removing exceptions: one learner with a confirmation, and in bulk from a CSV (issue 4)."""

from __future__ import annotations

from sqlalchemy import select

from tests.builders import allow, invalidate, make_certificate, make_user
from tests.certificates.helpers import allowlist, exceptions_url, plan_id_of, rows_of, upload, world_with_learners
from webapp.extensions import db
from webapp.models import Certificate, Invalidation, PlanRow


def test_single_removal_asks_for_confirmation_then_makes_the_certificate_unavailable(client):
    w = world_with_learners()
    allow(w["ann"], w["course_a"], notes="x")
    cert = make_certificate(w["ann"], w["course_a"], status="downloadable", grade=0.8)
    db.session.commit()
    client.login("instructor")
    url = f"{exceptions_url()}/{w['ann'].id}/remove"
    page = client.soup(url).get_text()
    assert "Remove ann from the allowlist?" in page and "becomes unavailable" in page
    assert allowlist(w["course_a"]) == {"ann": "x"}  # the GET wrote nothing
    response = client.post(url, follow_redirects=True)
    assert response.status_code == 200 and "becomes unavailable" in response.data.decode()
    assert allowlist(w["course_a"]) == {}
    db.session.expire_all()
    cert = db.session.get(Certificate, cert.id)
    assert (cert.status, cert.grade) == ("unavailable", None)
    assert db.session.scalar(select(Invalidation)) is None  # no invalidation record (domain §1.2)
    removal = db.session.scalar(select(PlanRow).where(PlanRow.action == "delete"))
    assert removal.before == {"notes": "x", "certificate_status": "downloadable", "certificate_grade": 0.8}
    # the learner may be added again at once: create, not certificate_invalidated
    again = client.post(f"{exceptions_url()}/add", data={"identifier": "ann", "notes": "back"}, follow_redirects=True)
    assert again.status_code == 200 and "added to the allowlist" in again.data.decode()
    assert allowlist(w["course_a"]) == {"ann": "back"}


def test_single_removal_without_certificate_just_deletes(client):
    w = world_with_learners()
    allow(w["ann"], w["course_a"])
    db.session.commit()
    client.login("staff")
    client.post(f"{exceptions_url()}/{w['ann'].id}/remove")
    assert allowlist(w["course_a"]) == {}
    assert db.session.scalar(select(Invalidation)) is None


def test_bulk_removal_codes_and_no_invalidation(client):
    w = world_with_learners()
    stranger = make_user("stranger")  # not enrolled: enrollment is not checked on removal
    allow(stranger, w["course_a"])
    allow(w["ann"], w["course_a"], notes="n")
    make_certificate(w["ann"], w["course_a"])
    already = make_certificate(w["cat"], w["course_a"])
    invalidate(already, notes="earlier")
    allow(w["cat"], w["course_a"])
    db.session.commit()
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"username\nann\nbob\nnobody\nstranger\ncat\n\n", removal=True))
    rows = rows_of(plan_id)
    got = {n: (r.action, r.code) for n, r in rows.items()}
    assert got == {
        2: ("delete", ""),
        3: ("error", "not_on_allowlist"),
        4: ("error", "unknown_learner"),
        5: ("delete", ""),
        6: ("delete", ""),
        7: ("skip", "blank_row"),
    }
    assert rows[2].effects == [
        {
            "kind": "certificate_unavailable",
            "message": "certificate Received (grade 0.9) becomes unavailable; grade cleared",
        }
    ]
    assert rows[5].effects is None  # no certificate: no side effect
    assert [e["kind"] for e in rows[6].effects] == ["certificate_unavailable"]  # invalidated, graded: cleared
    assert rows[2].before == {"notes": "n", "certificate_status": "downloadable", "certificate_grade": 0.9}
    assert (
        "Apply: remove 3 exceptions and make 2 certificates unavailable" in client.soup(f"/plans/{plan_id}").get_text()
    )
    client.post(f"/plans/{plan_id}/apply")
    assert allowlist(w["course_a"]) == {}
    notes = sorted(i.notes for i in db.session.scalars(select(Invalidation)))
    assert notes == ["earlier"]  # removal writes no invalidation (the platform's remove_allowlist_entry)


def test_single_add_same_rules_with_clear_error(client):
    w = world_with_learners()
    make_user("stranger")
    db.session.commit()
    client.login("instructor")
    response = client.post(f"{exceptions_url()}/add", data={"identifier": "stranger", "notes": ""})
    assert response.status_code == 400
    assert "learner is not enrolled in this course" in response.data.decode()
    response = client.post(f"{exceptions_url()}/add", data={"identifier": "nobody"})
    assert "nobody does not exist; check the spelling" in response.data.decode()
    response = client.post(
        f"{exceptions_url()}/add", data={"identifier": "Ann@Example.org", "notes": "ok"}, follow_redirects=True
    )
    assert response.status_code == 200 and "added to the allowlist" in response.data.decode()
    assert allowlist(w["course_a"]) == {"ann": "ok"}
    client.post(f"{exceptions_url()}/add", data={"identifier": "ann", "notes": "changed"})
    assert allowlist(w["course_a"]) == {"ann": "changed"}
    response = client.post(
        f"{exceptions_url()}/add", data={"identifier": "ann", "notes": "changed"}, follow_redirects=True
    )
    assert "already on the allowlist with these notes" in response.data.decode()


def test_single_add_refuses_invalidated_certificate(client):
    w = world_with_learners()
    invalidate(make_certificate(w["ann"], w["course_a"]))
    db.session.commit()
    client.login("staff")
    response = client.post(f"{exceptions_url()}/add", data={"identifier": "ann"})
    assert response.status_code == 400 and "re-validate it first" in response.data.decode()
    assert allowlist(w["course_a"]) == {}
