"""Rule messages are stored in English and shown in the reader's language."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import refresh

from webapp.i18n import translate_message
from webapp.services.messages import placeholders, rule_message

UNKNOWN = "{identifier} does not exist; check the spelling"


def test_a_rule_message_is_built_in_english() -> None:
    assert rule_message(UNKNOWN, identifier="ana@example.org") == "ana@example.org does not exist; check the spelling"
    assert rule_message("blank row") == "blank row"
    assert placeholders("same learner as row {row}, which supersedes {row} {x}") == ["row", "row", "x"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "ana{x}@example.org no existe; revise cómo está escrito"),
        ("en", "ana{x}@example.org does not exist; check the spelling"),
    ],
)
def test_a_stored_message_is_shown_in_the_readers_language(app: Flask, language: str, expected: str) -> None:
    stored = rule_message(UNKNOWN, identifier="ana{x}@example.org")  # braces in a value stay as they are
    with app.test_request_context(headers={"Accept-Language": language}):
        refresh()
        assert translate_message(stored) == expected


def test_a_message_with_no_translation_is_shown_as_it_is(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "es"}):
        refresh()
        assert translate_message("a message no template builds") == "a message no template builds"
        assert translate_message("") == ""
        assert translate_message(None) == ""
