"""Login, logout, the permission matrix and CSRF, through the pages."""

from __future__ import annotations

import json

from bs4 import BeautifulSoup

from tests.builders import enroll, staff_world
from webapp.extensions import db


def test_anonymous_is_sent_to_login(client):
    staff_world()
    response = client.get("/courses/course-v1:edX+A+2026/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_with_username_or_email_then_logout(client):
    staff_world()
    response = client.login("staff")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Course A" in client.soup("/").get_text()
    client.post("/logout")
    assert client.get("/").status_code == 302
    assert client.login("STAFF@example.com").status_code == 302


def test_failed_login_does_not_say_which_half_was_wrong(client):
    staff_world()
    wrong_password = client.login("staff", "nope")
    unknown_user = client.login("ghost", "nope")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert b"Unknown username or email, or wrong password." in wrong_password.data
    assert b"Unknown username or email, or wrong password." in unknown_user.data


def test_permission_matrix(client):
    staff_world()
    client.login("course_staff")
    assert client.get("/courses/course-v1:edX+A+2026/").status_code == 200
    denied = client.get("/courses/edX/B/2026/")
    assert denied.status_code == 403
    assert b"not staff of edX/B/2026" in denied.data
    dashboard = client.soup("/").get_text()
    assert "course-v1:edX+A+2026" in dashboard and "edX/B/2026" not in dashboard

    client.post("/logout")
    client.login("staff")
    assert client.get("/courses/edX/B/2026/").status_code == 200
    assert client.get("/courses/course-v1:edX+A+2026/").status_code == 200

    client.post("/logout")
    client.login("learner")
    assert client.get("/courses/course-v1:edX+A+2026/").status_code == 403


def test_post_without_csrf_token_is_refused(client):
    staff_world()
    response = client.post("/login", data={"username": "staff", "password": "edx"}, csrf=False)
    assert response.status_code == 400
    assert b"Reload the page" in response.data


def test_plans_of_another_course_answer_like_missing_plans(client, runner, tmp_path):
    world = staff_world()
    enroll(world["learner"], world["course_b"])
    db.session.commit()
    roster = tmp_path / "r.csv"
    roster.write_text("learner@example.com\n")
    result = runner.invoke(
        args=[
            "certificates",
            "import-exceptions",
            str(roster),
            "--course",
            "edX/B/2026",
            "--as",
            "staff",
            "--dry-run",
            "--json",
        ]
    )
    plan_id = json.loads(result.output)["plan_id"]
    missing = plan_id + 1000
    client.login("course_staff")
    for hidden, absent in (
        (client.get(f"/plans/{plan_id}"), client.get(f"/plans/{missing}")),
        (client.get(f"/plans/{plan_id}/errors.csv"), client.get(f"/plans/{missing}/errors.csv")),
        (client.post(f"/plans/{plan_id}/apply"), client.post(f"/plans/{missing}/apply")),
        (client.post(f"/plans/{plan_id}/revert"), client.post(f"/plans/{missing}/revert")),
    ):
        assert hidden.status_code == absent.status_code == 404
        said = [BeautifulSoup(r.data, "html.parser").select_one("main").get_text() for r in (hidden, absent)]
        assert said[0].replace(f"#{plan_id}", "#N") == said[1].replace(f"#{missing}", "#N")
        assert f"There is no plan #{plan_id}." in said[0]
    assert client.get("/plans").status_code == 403
    assert client.get("/courses/edX/B/2026/plans").status_code == 403
