"""The language of a page: the browser's choice, the switcher's cookie, dates and numbers per locale."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import refresh

from tests.builders import staff_world
from webapp.i18n import format_number, format_when


def test_the_browser_language_picks_spanish_and_the_page_says_so(client) -> None:
    soup = client.soup("/login", headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})
    assert soup.html["lang"] == "es"
    assert soup.select_one("#locale-choice option[selected]")["value"] == "es"


def test_an_unsupported_browser_language_falls_back_to_english(client) -> None:
    soup = client.soup("/login", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert soup.html["lang"] == "en"


def test_the_switcher_remembers_the_choice_over_the_browser_and_goes_back(client) -> None:
    response = client.post("/locale", data={"locale": "es", "next": "/login?next=/courses"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/courses"
    assert "locale=es" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
    soup = client.soup("/login", headers={"Accept-Language": "en"})
    assert soup.html["lang"] == "es"
    assert soup.select_one("label[for=locale-choice]").get_text() == "Idioma"


def test_the_switcher_ignores_an_unknown_language_and_an_outside_address(client) -> None:
    response = client.post("/locale", data={"locale": "xx", "next": "https://evil.example/"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "Set-Cookie" not in response.headers or "locale=" not in response.headers["Set-Cookie"]


def test_the_switcher_needs_the_csrf_token(client) -> None:
    assert client.post("/locale", data={"locale": "es"}, csrf=False).status_code == 400


def test_a_logged_in_page_is_served_in_the_chosen_language(client) -> None:
    staff_world()
    client.login("staff")
    client.post("/locale", data={"locale": "es", "next": "/"})
    assert client.soup("/").html["lang"] == "es"


def test_numbers_and_times_follow_the_locale(app: Flask) -> None:
    when = datetime(2026, 12, 1, 14, 5, 9)
    with app.test_request_context(headers={"Accept-Language": "es"}):
        refresh()  # the tests' app context is shared; a real request refreshes in before_request
        assert format_number(100000) == "100.000"
        assert format_when(when) == "2026-12-01 14:05"
        assert format_when(None) == "—"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        assert format_number(100000) == "100,000"
        assert format_when(when, seconds=True) == "2026-12-01 14:05:09"
