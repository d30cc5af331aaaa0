"""Revert of an exceptions import is an undo (domain §1.2 "Revert", issue 12 point 1), through the pages."""

from __future__ import annotations

from sqlalchemy import select, update

from tests.builders import make_certificate
from tests.certificates.helpers import COURSE_A, allowlist, plan_id_of, rows_of, upload, world_with_learners
from webapp.extensions import db
from webapp.models import AllowlistEntry, Certificate, Enrollment, Invalidation
from webapp.models.enterprise import GradeRecord

BASE = f"/courses/{COURSE_A}/certificates"


def _status(user) -> tuple[str, float | None] | None:
    db.session.expire_all()
    cert = db.session.scalar(select(Certificate).where(Certificate.user_id == user.id))
    return (cert.status, cert.grade) if cert else None


def test_revert_leaves_earned_certificates_downloadable_and_learners_can_be_added_again(client):
    w = world_with_learners()
    make_certificate(w["ann"], w["course_a"], "downloadable", grade=0.91)
    make_certificate(w["bob"], w["course_a"], "downloadable", grade=0.75)
    db.session.commit()
    client.login("instructor")
    plan_id = plan_id_of(upload(client, b"username,notes\nann,late\nbob,late\ncat,late\n"))
    client.post(f"/plans/{plan_id}/apply")
    assert allowlist(w["course_a"]) == {"ann": "late", "bob": "late", "cat": "late"}
    revert_id = plan_id_of(client.post(f"/plans/{plan_id}/revert"))
    preview = client.soup(f"/plans/{revert_id}").get_text(" ", strip=True)
    assert "is not touched" in preview and "becomes unavailable" not in preview
    client.post(f"/plans/{revert_id}/apply")
    assert allowlist(w["course_a"]) == {}
    assert _status(w["ann"]) == ("downloadable", 0.91)
    assert _status(w["bob"]) == ("downloadable", 0.75)
    assert db.session.scalar(select(Invalidation)) is None
    # the learners can be added again at once: create, not certificate_invalidated
    again = rows_of(plan_id_of(upload(client, b"ann,back\nbob,back\n")))
    assert [(r.action, r.code) for r in again.values()] == [("create", ""), ("create", "")]


def test_revert_makes_a_certificate_issued_because_of_the_exception_unavailable(client):
    w = world_with_learners()
    make_certificate(w["ann"], w["course_a"], "downloadable", grade=0.91)  # earned before the import
    db.session.add(GradeRecord(user_id=w["bob"].id, course_key=COURSE_A, percent=0.3, passed=False))
    db.session.commit()
    client.login("instructor")
    plan_id = plan_id_of(upload(client, b"ann,late\nbob,appeal\n"))
    client.post(f"/plans/{plan_id}/apply")
    generation_id = plan_id_of(client.post(f"{BASE}/generate", data={"scope": "exceptions"}))
    client.post(f"/plans/{generation_id}/apply")
    assert _status(w["bob"]) == ("downloadable", 0.3)  # issued because of the exception
    revert_id = plan_id_of(client.post(f"/plans/{plan_id}/revert"))
    rows = {r.label.split()[0]: r for r in rows_of(revert_id).values()}
    assert [e["kind"] for e in rows["bob"].effects] == ["certificate_unavailable"]
    assert (
        f"issued by generation plan #{generation_id} because of the exception, becomes unavailable"
        in (rows["bob"].effects[0]["message"])
    )
    assert rows["ann"].effects is None  # held before the import: untouched, no side effect
    assert "is not touched" in rows["ann"].message
    preview = client.soup(f"/plans/{revert_id}").get_text(" ", strip=True)
    assert "becomes unavailable" in preview
    assert _status(w["bob"]) == ("downloadable", 0.3)  # only previewed
    client.post(f"/plans/{revert_id}/apply")
    assert allowlist(w["course_a"]) == {}
    assert _status(w["bob"]) == ("unavailable", None)
    assert _status(w["ann"]) == ("downloadable", 0.91)
    assert db.session.scalar(select(Invalidation)) is None
    again = rows_of(plan_id_of(upload(client, b"bob,again\n")))
    assert [(r.action, r.code) for r in again.values()] == [("create", "")]


def test_revert_restores_old_notes_even_after_the_learner_left_the_course(client):
    """An undo restores what the import changed: the add rules (enrollment) are not asked again."""
    w = world_with_learners()
    db.session.add(AllowlistEntry(user_id=w["ann"].id, course_id=w["course_a"].id, notes="old"))
    db.session.commit()
    client.login("instructor")
    plan_id = plan_id_of(upload(client, b"ann,new\n"))
    client.post(f"/plans/{plan_id}/apply")
    assert allowlist(w["course_a"]) == {"ann": "new"}
    db.session.execute(update(Enrollment).where(Enrollment.user_id == w["ann"].id).values(is_active=False))
    db.session.commit()
    revert_id = plan_id_of(client.post(f"/plans/{plan_id}/revert"))
    (row,) = rows_of(revert_id).values()
    assert (row.action, row.before, row.after) == ("update", {"notes": "new"}, {"notes": "old"})
    client.post(f"/plans/{revert_id}/apply")
    assert allowlist(w["course_a"]) == {"ann": "old"}
