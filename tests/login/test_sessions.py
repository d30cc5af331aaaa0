"""A password change or a deactivation ends the user's sessions; the CSRF secret is renewed at login."""

from __future__ import annotations

import re

from tests.builders import staff_world


def logged_in_cookie(client) -> str:
    assert client.login("staff").status_code == 302
    assert client.get("/").status_code == 200
    return client.get_cookie("session").value


def still_works(app, cookie: str) -> bool:
    """A request with the cookie, in its own app context (as in production: nothing cached in `g`)."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    with app.app_context():
        return other.get("/").status_code == 200


def load(runner, tmp_path, entry: str):
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"users:\n  - {{username: staff, email: staff@example.com, is_staff: true, {entry}}}\n")
    result = runner.invoke(args=["data", "load", str(spec)])
    assert result.exit_code == 0, result.output


def test_a_password_change_from_the_command_line_ends_the_sessions(client, app, runner):
    staff_world()
    cookie = logged_in_cookie(client)
    assert still_works(app, cookie)
    result = runner.invoke(
        args=["users", "create-staff", "staff", "--email", "staff@example.com", "--global", "--password-stdin"],
        input="a-new-password\n",
    )
    assert result.exit_code == 0, result.output
    assert not still_works(app, cookie)
    assert client.login("staff", "a-new-password").status_code == 302


def test_a_password_change_by_a_data_spec_ends_the_sessions(client, app, runner, tmp_path):
    staff_world()
    cookie = logged_in_cookie(client)
    load(runner, tmp_path, "password: another-password")
    assert not still_works(app, cookie)


def test_the_same_password_in_a_data_spec_keeps_the_sessions(client, app, runner, tmp_path):
    staff_world()
    cookie = logged_in_cookie(client)
    load(runner, tmp_path, "password: edx, full_name: Renamed")
    assert still_works(app, cookie)


def test_a_deactivation_ends_the_sessions_and_a_reactivation_does_not_revive_them(client, app, runner, tmp_path):
    staff_world()
    cookie = logged_in_cookie(client)
    load(runner, tmp_path, "is_active: false")
    assert not still_works(app, cookie)
    load(runner, tmp_path, "is_active: true")
    assert not still_works(app, cookie)
    assert client.login("staff").status_code == 302  # a new login works again


def test_the_csrf_secret_is_renewed_at_login(client):
    staff_world()
    before = client.csrf_token()  # what an attacker who planted or saw the anonymous session knows
    assert client.login("staff").status_code == 302
    refused = client.post("/logout", data={"csrf_token": before})
    assert refused.status_code == 400 and client.get("/").status_code == 200  # still logged in
    page = client.get("/").data
    after = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    assert client.post("/logout", data={"csrf_token": after}).status_code == 302
    assert client.get("/").status_code == 302
