"""Who may change certificates (domain §0): global staff and the course `instructor` role; the course `staff`
role sees everything but every certificate change answers 403 (pages, forms, CLI `--as` exit 1)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.builders import allow, invalidate, make_certificate
from tests.certificates.helpers import COURSE_A, allowlist, world_with_learners
from webapp.extensions import db
from webapp.models import AuditEvent, Certificate, Course, Invalidation, Plan

BASE = f"/courses/{COURSE_A}/certificates"
HINT = "Only global staff and the course's instructors may change certificates."


@pytest.fixture
def w(client):
    data = world_with_learners()
    allow(data["ann"], data["course_a"], notes="kept")
    data["bob_cert"] = make_certificate(data["bob"], data["course_a"])
    data["inv"] = invalidate(make_certificate(data["cat"], data["course_a"]), notes="cheating")
    db.session.commit()
    return data


def _csv(text: bytes = b"dan\n") -> dict:
    return {"file": (io.BytesIO(text), "roster.csv"), "encoding": "utf-8"}


def _nothing_changed(w) -> None:
    db.session.expire_all()
    assert allowlist(w["course_a"]) == {"ann": "kept"}
    assert db.session.get(Certificate, w["bob_cert"].id).status == "downloadable"
    assert db.session.get(Invalidation, w["inv"].id).active is True
    assert db.session.scalar(select(Course.certificates_enabled).where(Course.key == COURSE_A)) is True
    assert db.session.scalar(select(func.count(Plan.id))) == 0
    changes = AuditEvent.action.like("certificates%") | AuditEvent.action.like("plan%")
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(changes)) == 0


def test_course_staff_role_sees_every_page_without_change_controls(client, w):
    client.login("course_staff")
    for url, form_actions in (
        (f"{BASE}/", ("/generation", "/generate")),
        (f"{BASE}/exceptions", ("/exceptions/upload", "/exceptions/add", "/exceptions/remove-upload")),
        (f"{BASE}/invalidations", ("/invalidations/one", "/invalidations/upload", "/revalidate")),
    ):
        soup = client.soup(url)
        actions = [f.get("action", "") for f in soup.find_all("form")]
        assert not [a for a in actions for suffix in form_actions if a.endswith(suffix)], (url, actions)
        assert HINT in soup.get_text(), url
    assert "Remove…" not in client.soup(f"{BASE}/exceptions").get_text()
    for url in (f"{BASE}/issued.csv", f"{BASE}/exceptions.csv", f"{BASE}/invalidations.csv"):
        assert client.get(url).status_code == 200, url


def test_course_staff_role_gets_403_on_every_certificate_change(client, w):
    client.login("course_staff")
    multipart = {"content_type": "multipart/form-data"}
    answers = {
        "upload exceptions": client.post(f"{BASE}/exceptions/upload", data=_csv(), **multipart),
        "upload removals": client.post(f"{BASE}/exceptions/remove-upload", data=_csv(b"ann\n"), **multipart),
        "add one": client.post(f"{BASE}/exceptions/add", data={"identifier": "dan", "notes": ""}),
        "remove one (confirm page)": client.get(f"{BASE}/exceptions/{w['ann'].id}/remove"),
        "remove one": client.post(f"{BASE}/exceptions/{w['ann'].id}/remove"),
        "upload invalidations": client.post(f"{BASE}/invalidations/upload", data=_csv(b"bob\n"), **multipart),
        "invalidate one": client.post(f"{BASE}/invalidations/one", data={"identifier": "bob", "notes": "x"}),
        "re-validate": client.post(f"{BASE}/invalidations/{w['inv'].id}/revalidate"),
        "toggle": client.post(f"{BASE}/generation", data={"enable": "0"}),
        "generate": client.post(f"{BASE}/generate", data={"scope": "all"}),
    }
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 403)
    _nothing_changed(w)


@pytest.mark.parametrize(
    "args",
    [
        ["import-exceptions", "{path}"],
        ["remove-exceptions", "{path}"],
        ["import-invalidations", "{path}"],
        ["generate", "--scope", "all"],
    ],
)
def test_cli_as_course_staff_role_exits_1(runner, w, tmp_path, args):
    path = tmp_path / "roster.csv"
    path.write_text("ann\nbob\n", encoding="utf-8")
    args = [a.format(path=path) for a in args]
    result = runner.invoke(args=["certificates", *args, "--course", COURSE_A, "--as", "course_staff", "--dry-run"])
    assert result.exit_code == 1, result.output
    assert HINT in result.output
    _nothing_changed(w)


def test_instructor_may_change_certificates(client, w):
    client.login("instructor")
    soup = client.soup(f"{BASE}/exceptions")
    assert HINT not in soup.get_text() and soup.find("form", action=f"{BASE}/exceptions/add")
    tab = client.soup(f"{BASE}/")
    assert tab.find("form", action=f"{BASE}/generate") and tab.find("form", action=f"{BASE}/generation")
    response = client.post(f"{BASE}/exceptions/add", data={"identifier": "dan", "notes": "ok"})
    assert response.status_code == 302
    assert allowlist(w["course_a"]) == {"ann": "kept", "dan": "ok"}
    response = client.post(f"{BASE}/invalidations/{w['inv'].id}/revalidate")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Invalidation, w["inv"].id).active is False


def test_demo_has_an_instructor_of_the_demonstration_course(client, runner):
    result = runner.invoke(args=["data", "load", "webapp/demo/spec.yaml"])
    assert result.exit_code == 0, result.output
    demo = "/courses/course-v1:edX+DemoX+Demo_Course/certificates/exceptions"
    assert client.login("instructor", "edx").status_code in (200, 302)
    soup = client.soup(demo)
    assert HINT not in soup.get_text() and soup.find("form", action=f"{demo}/add")
    client.login("course_staff", "edx")
    soup = client.soup(demo)
    assert HINT in soup.get_text() and soup.find("form", action=f"{demo}/add") is None


def test_course_staff_role_opens_certificate_plans_without_apply_or_revert_controls(client, w):
    client.login("instructor")
    previewed = client.post(f"{BASE}/exceptions/upload", data=_csv(b"dan,late\n"), content_type="multipart/form-data")
    previewed_id = int(previewed.headers["Location"].rsplit("/", 1)[-1])
    applied = client.post(f"{BASE}/exceptions/upload", data=_csv(b"eve,late\n"), content_type="multipart/form-data")
    applied_id = int(applied.headers["Location"].rsplit("/", 1)[-1])
    client.post(f"/plans/{applied_id}/apply")

    def controls(plan_id: int) -> list[str]:
        return [f.get("action", "") for f in client.soup(f"/plans/{plan_id}").find_all("form", method="post")]

    assert f"/plans/{previewed_id}/apply" in controls(previewed_id)
    assert f"/plans/{applied_id}/revert" in controls(applied_id)
    client.login("course_staff")
    for plan_id in (previewed_id, applied_id):
        assert not [a for a in controls(plan_id) if a.startswith("/plans/")], plan_id
    assert "Your role lets you see this plan, not apply it." in client.soup(f"/plans/{previewed_id}").get_text()
    assert client.post(f"/plans/{previewed_id}/apply").status_code == 403
