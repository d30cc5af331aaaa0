"""Security: headers, cookies, throttled logins, logout, redirects, the audit page, error pages, health."""

from __future__ import annotations

from sqlalchemy import select

from tests.builders import staff_world
from webapp.extensions import db
from webapp.models import AuditEvent


def test_security_headers_on_every_page(client):
    staff_world()
    for response in (client.get("/login"), client.get("/static/app.css"), client.get("/nope")):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_samesite(client):
    staff_world()
    response = client.login("staff")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_repeated_failures_are_throttled_and_audited(client, app):
    staff_world()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.login("staff", "wrong").status_code == 401
    throttled = client.login("staff", "edx")  # even the right password is refused for a while
    assert throttled.status_code == 429 and b"Too many failed logins" in throttled.data
    failures = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()
    assert len(failures) == app.config["LOGIN_MAX_FAILURES"]
    assert {f.actor_name for f in failures} == {"staff"}


def test_logout_invalidates_the_copied_session_cookie(client, app):
    staff_world()
    client.login("staff")
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/").status_code == 302


def test_next_only_goes_to_local_paths(client):
    staff_world()
    for target, expected in (
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/courses/course-v1:edX+A+2026/", "/courses/course-v1:edX+A+2026/"),
    ):
        client.post("/logout")
        response = client.login("staff", query_string={"next": target})
        assert response.headers["Location"] == expected, target


def test_audit_page_is_for_global_staff_with_filters_and_csv(client):
    staff_world()
    client.login("nobody", "wrong")
    client.login("course_staff")
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/events.csv").status_code == 403
    client.post("/logout")
    client.login("staff")
    page = client.soup("/audit/?action=login.failed")
    assert "Failed login for 'nobody'" in page.get_text()
    assert client.soup("/audit/?actor=someone-else").find("table") is None
    download = client.get("/audit/events.csv?action=login.failed")
    text = download.data.decode("utf-8-sig")
    assert text.startswith("at,actor,action,course,plan,summary,remote_addr") and "login.failed" in text


def test_error_pages_never_show_a_traceback(client, monkeypatch):
    staff_world()
    client.login("staff")
    missing = client.get("/courses/course-v1:No+Such+Course/")
    assert missing.status_code == 404 and b"There is no course" in missing.data

    def explode(user):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("webapp.services.courses.dashboard", explode)
    broken = client.get("/")
    assert broken.status_code == 500
    assert b"Traceback" not in broken.data and b"secret internals" not in broken.data
    assert b"Something went wrong" in broken.data


def test_oversized_upload_gets_a_413_page(client, app):
    staff_world()
    client.login("staff")
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/login", data=body, content_type="application/octet-stream", csrf=False)
    assert response.status_code == 413 and b"larger than the 20 MB limit" in response.data


def test_healthz_needs_no_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


def test_failed_logins_are_slowed_down_before_they_are_refused(client, app, monkeypatch):
    staff_world()
    slept: list[float] = []
    monkeypatch.setattr("webapp.services.auth.time.sleep", slept.append)
    monkeypatch.setitem(app.config, "LOGIN_FAILURE_DELAY_SECONDS", 0.25)
    for _ in range(3):
        client.login("staff", "wrong")
    assert slept == [0.25, 0.5, 0.75]
    client.login("staff", "edx")
    assert len(slept) == 3  # a right password is not delayed
