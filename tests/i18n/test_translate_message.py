"""`translate_message` (the `translated` filter): values that are labels or messages are translated in turn,
counts are grouped the reader's way, plural messages take the form of their count, and no message or
value, however odd, crashes it or makes it read more than the value itself."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_babel import refresh

from webapp.i18n import _fill, translate_message
from webapp.services.messages import english, rule_message
from webapp.wording import english_plural, plural

UNKNOWN = "{identifier} does not exist; check the spelling"


@pytest.fixture
def spanish(app: Flask) -> Iterator[None]:
    with app.test_request_context(headers={"Accept-Language": "es"}):
        refresh()
        yield


@pytest.mark.parametrize(
    "identifier",
    ["{0}", "{identifier.__class__}", "{}", "{{", "}", "%s %(x)s", "a\nb", "ана@пример.рф", "does not exist"],
)
def test_odd_values_are_shown_as_they_are(spanish: None, identifier: str) -> None:
    stored = rule_message(UNKNOWN, identifier=identifier)
    assert translate_message(stored) == f"{identifier} no existe; revise cómo está escrito"


@pytest.mark.parametrize("message", ["{", "}", "{}", "{0}", "{identifier}", "{x.y}", "%(x)s", "{{}}", " ", "\x00"])
def test_odd_messages_never_crash(spanish: None, message: str) -> None:
    assert translate_message(message) == message


def test_a_value_that_is_a_label_or_a_message_is_translated_too(spanish: None) -> None:
    assert translate_message(rule_message("Plan #{plan} is {status}.", plan=7, status="stale")) == (
        "El estado del plan n.º 7 es «desactualizado»."
    )
    nested = rule_message(
        "{what} cannot be stored: {problem}.",
        what="The body",
        problem=rule_message(
            "{field} contains {what}, which cannot be stored",
            field=rule_message("{item}, {field}", item=rule_message("item {number}", number=2), field="x"),
            what="a NUL character (\\x00)",
        ),
    )
    assert translate_message(nested) == (
        "The body no se puede guardar: elemento 2, x contiene un carácter NUL (\\x00), que no se puede guardar."
    )


def test_counts_are_grouped_the_readers_way(spanish: None) -> None:
    stored = rule_message("The file has more than {count} rows. Split it and upload the parts.", count="200,000")
    assert translate_message(stored) == "El archivo tiene más de 200.000 filas. Divídalo y suba las partes."


def test_a_message_built_with_plural_is_shown_in_spanish(spanish: None) -> None:
    with english():
        many = plural(2_000, "The row with an error is left out.", "The {n} rows with errors are left out.")
        one = plural(1, "The row with an error is left out.", "The {n} rows with errors are left out.")
    assert many == english_plural(2_000, "The row with an error is left out.", "The {n} rows with errors are left out.")
    assert many == "The 2,000 rows with errors are left out."
    assert translate_message(many) == "Se omiten las 2.000 filas con errores."
    assert translate_message(one) == "Se omite la fila con un error."
    assert translate_message(english_plural(3, "{n} certificate", "{n} certificates")) == "3 certificados"
    assert translate_message(english_plural(1, "{n} certificate", "{n} certificates")) == "1 certificado"


def test_english_readers_see_the_message_as_stored(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        stored = rule_message("Plan #{plan} is {status}.", plan=7, status="stale")
        assert translate_message(stored) == stored


def test_a_huge_or_hostile_message_is_answered_at_once(spanish: None) -> None:
    huge = rule_message(UNKNOWN, identifier="x" * 100_000)
    hostile = rule_message("{label}: {message} ({code}).", label=": " * 1500, message="(, " * 300, code=", ")
    started = time.perf_counter()
    assert translate_message(huge) == huge  # longer than the matched length: shown as it is
    translate_message(hostile)
    assert time.perf_counter() - started < 2


def test_a_translation_is_filled_by_name_only() -> None:
    assert _fill("{a} and {a!r:>9} then {b.__class__}", {"a": "x"}) == "x and x then "
    assert _fill("{{literal}} {a}", {"a": "{b}"}) == "{literal} {b}"


@pytest.mark.parametrize("identifier", ["Create", "john, Failed", "007,123", "Suspicious", "stale"])
def test_data_that_reads_like_a_label_or_a_count_is_shown_as_stored(spanish: None, identifier: str) -> None:
    stored = rule_message(UNKNOWN, identifier=identifier)
    assert translate_message(stored) == f"{identifier} no existe; revise cómo está escrito"


@pytest.mark.parametrize("message", ["blank row; ² rows", "² rows", "⑤ rows", "-0 rows; blank row", "١٢ rows"])
def test_a_count_that_is_not_ascii_digits_never_crashes(spanish: None, message: str) -> None:
    assert isinstance(translate_message(message), str)


def test_a_long_message_is_shown_as_stored_without_running_the_templates(spanish: None) -> None:
    stored = rule_message(UNKNOWN, identifier="x: x (" * 645)
    assert translate_message(stored) == stored
