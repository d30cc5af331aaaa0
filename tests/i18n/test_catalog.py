"""Every string marked for translation has its Spanish translation, with the same placeholders."""

from __future__ import annotations

from babel.messages.catalog import Message

from tests.i18n.catalog import catalog, marked_messages


def _translated(message: Message | None) -> bool:
    """A message with every form translated (a plural message has one per Spanish plural form)."""
    if message is None:
        return False
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(forms)


def test_every_marked_string_has_a_spanish_translation() -> None:
    spanish = catalog("es")
    missing = sorted(msgid for msgid, context in marked_messages() if not _translated(spanish.get(msgid, context)))
    assert missing == [], f"{len(missing)} strings have no Spanish translation (make i18n-update): {missing[:20]}"


def test_no_spanish_translation_is_fuzzy_or_breaks_its_placeholders() -> None:
    spanish = catalog("es")
    fuzzy = sorted(message.id for message in spanish if message.id and message.fuzzy)
    assert fuzzy == [], f"fuzzy translations are not shown to staff: {fuzzy[:20]}"
    broken = [(message.id, [str(e) for e in errors]) for message, errors in spanish.check() if errors]
    assert broken == []
