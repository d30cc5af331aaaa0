"""How the plan page and the apply result name each side effect, in the future (preview) and the past
(result), singular and plural (unit level: one upload per kind would take a world per capability)."""

from __future__ import annotations

import pytest

from webapp.services.plans.reading import effect_phrase
from webapp.statuses import EffectKind

WORDS = {
    EffectKind.CERTIFICATE_UNAVAILABLE: (
        ("make 1 certificate unavailable", "make 2,000 certificates unavailable"),
        ("made 1 certificate unavailable", "made 2,000 certificates unavailable"),
    ),
    EffectKind.CERTIFICATE_ISSUED: (
        ("issue or change 1 certificate", "issue or change 2,000 certificates"),
        ("issued or changed 1 certificate", "issued or changed 2,000 certificates"),
    ),
    EffectKind.CREDIT_STATUS: (
        ("change 1 credit requirement status", "change 2,000 credit requirement statuses"),
        ("changed 1 credit requirement status", "changed 2,000 credit requirement statuses"),
    ),
    EffectKind.ACADEMY_DEACTIVATED: (
        ("deactivate 1 academy", "deactivate 2,000 academies"),
        ("deactivated 1 academy", "deactivated 2,000 academies"),
    ),
    EffectKind.ATTEMPT_ARCHIVED: (
        ("archive 1 exam attempt", "archive 2,000 exam attempts"),
        ("archived 1 exam attempt", "archived 2,000 exam attempts"),
    ),
    EffectKind.SUPPORT_NOTIFIED: (
        ("notify support 1 time", "notify support 2,000 times"),
        ("notified support 1 time", "notified support 2,000 times"),
    ),
}


def test_every_effect_kind_has_words():
    assert set(WORDS) == set(EffectKind)


@pytest.mark.parametrize("kind", list(EffectKind))
def test_effect_phrase_future_and_past_singular_and_plural(kind):
    future, past = WORDS[kind]
    assert (effect_phrase(kind, 1), effect_phrase(kind, 2_000)) == future
    assert (effect_phrase(kind, 1, past=True), effect_phrase(kind, 2_000, past=True)) == past
