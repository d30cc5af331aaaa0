"""Data-spec plan rows: their messages are stored in English (the CLI prints them as they are) and read in
Spanish where a page shows them (`translated`), nested parts included ("file › users entry 2: problem; problem")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask_babel import refresh
from markupsafe import escape

from tests.i18n.catalog import untranslated
from webapp.i18n import translate_message

SPEC = """
users:
  - {username: ana, email: ana@example.com}
  - {username: bea, email: nope, colour: red}
  - {username: ana, email: ana2@example.com}
  - {username: carla, email: carla@example.com, is_staff: maybe}
  - just a string
courses:
  - {id: "course-v1:Org+Demo+2026", name: Demo, pacing: sometimes}
  - {id: "not a key", name: Broken}
enrollments:
  - {username: ghost, course: "course-v1:Org+Demo+2026", mode: verified}
  - {username: ana, course: "course-v1:Org+Demo+2026", course_id: "course-v1:Org+Other+2026"}
grades:
  - {username: ana, course: "course-v1:Org+Demo+2026", percent: 1.5, passed: true}
widgets:
  - {name: x}
"""
SUPPORTED = [
    "course_staff",
    "enrollments",
    "certificates",
    "allowlist",
    "invalidations",
    "grades",
    "enterprise_customers",
    "enterprise_learners",
    "consents",
    "exams",
    "attempts",
    "reviews",
    "academies",
]
# What the messages quote from the spec: file, entity and field names, values as written.
DATA = {
    "spec.yaml",
    "users",
    "courses",
    "enrollments",
    "grades",
    "widgets",
    *SUPPORTED,
    "course",  # a field name: "course course-v1:… does not exist"
    "course-v1:Org+Course+Run",  # the course key formats a message shows as examples
    "Org/Course/Run",
    "'id'",
    "'widgets'",
    "'email'",
    "'nope'",
    "'colour'",
    "'username'",
    "'is_staff'",
    "'maybe'",
    "'pacing'",
    "'sometimes'",
    "'course'",
    "'course_id'",
    "'not a key'",
    "'course-v1:Org+Demo+2026'",
    "'course-v1:Org+Other+2026'",
    "'percent'",
    "1.5",
    "str",
    "username",
    "ghost",
    "ana",
}


@pytest.fixture
def messages(runner, tmp_path: Path) -> list[str]:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC, encoding="utf-8")
    result = runner.invoke(args=["data", "load", str(path), "--json", "--dry-run"])
    assert result.exit_code == 0, result.output
    return [row["message"] for row in json.loads(result.output)["rows"]]


def test_the_stored_messages_and_the_cli_stay_english(messages: list[str]) -> None:
    assert (
        "spec.yaml › users entry 2: unknown field 'colour' (known: username, email, full_name, password, "
        "password_hash, is_staff, is_active); field 'email' must be an email address, not 'nope'"
    ) in messages
    assert "spec.yaml › users entry 3: duplicate of spec.yaml › users entry 1" in messages
    assert any("field 'percent' must be between 0 and 1, not 1.5" in m for m in messages)
    assert any("username ghost does not exist in the database or earlier in the spec" in m for m in messages)


def _spanish(app: Flask, messages: list[str]) -> list[str]:
    with app.test_request_context(headers={"Accept-Language": "es"}):
        refresh()
        return [translate_message(m) for m in messages]


def test_every_data_spec_message_reads_in_spanish(app: Flask, messages: list[str]) -> None:
    spanish = _spanish(app, messages)
    page = BeautifulSoup("".join(f"<p>{escape(m)}</p>" for m in spanish), "html.parser")
    assert untranslated(page, DATA) == []
    assert "spec.yaml › users, entrada 3: duplicado de spec.yaml › users, entrada 1" in spanish
    assert any("el campo 'percent' debe valer entre 0 y 1, no 1.5" in m for m in spanish)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        assert [translate_message(m) for m in messages] == messages


def test_a_single_problem_reads_in_spanish(app: Flask) -> None:
    english = ["field 'email' is required", "(new password)", "spec.yaml › users"]
    spanish = ["el campo 'email' es obligatorio", "(contraseña nueva)", "spec.yaml › users"]
    assert _spanish(app, english) == spanish


def test_several_problems_of_one_entry_read_in_spanish(app: Flask) -> None:
    stored = "spec.yaml › users entry 4: field 'username' is required; field 'is_staff' must be true or false, not 'x'"
    assert _spanish(app, [stored]) == [
        "spec.yaml › users, entrada 4: el campo 'username' es obligatorio; el campo 'is_staff' debe ser true o false, "
        "no 'x'"
    ]
