"""Badges come from enum members, vocabulary by vocabulary, and templates spell no status list."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

from webapp import statuses
from webapp.statuses import (
    AcademyState,
    Action,
    AttemptStatus,
    CertificateStatus,
    CreditStatus,
    InvalidationState,
    PlanStatus,
    RowOutcome,
    badge_class,
)

TEMPLATES = Path(statuses.__file__).parent / "templates"


def test_each_member_has_the_badge_of_its_own_vocabulary():
    for vocabulary, badges in statuses.BADGES.items():
        for member, css in badges.items():
            assert isinstance(member, vocabulary)
            assert badge_class(member) == css, member
    # "active" is good for an academy; an active invalidation has no badge of its own
    assert badge_class(AcademyState.ACTIVE) == "good"
    assert badge_class(InvalidationState.ACTIVE) == "neutral"


def test_a_stored_value_is_read_in_its_vocabulary():
    assert badge_class("error", of=Action) == "bad"
    assert badge_class("failed", of=PlanStatus) == "bad"
    assert badge_class("applied", of=RowOutcome) == "good"
    assert badge_class("submitted", of=AttemptStatus) == "info"
    assert badge_class("submitted", of=CreditStatus) == "info"
    assert badge_class("audit_passing", of=CertificateStatus) == "info"
    assert badge_class("no-such-status", of=AttemptStatus) == "neutral"


def test_a_bare_string_picks_no_badge():
    # the same string is a member of several vocabularies: without one it is not guessed
    for value in ("error", "failed", "applied", "active", "submitted"):
        assert badge_class(value) == "neutral"


def _status_values() -> set[str]:
    values: set[str] = set()
    for name in dir(statuses):
        vocabulary = getattr(statuses, name)
        if isinstance(vocabulary, type) and issubclass(vocabulary, StrEnum) and vocabulary is not StrEnum:
            values |= {member.value for member in vocabulary if member.value}
    return values


def test_no_template_spells_a_list_of_statuses():
    values = _status_values()
    offenders = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        for literal in re.findall(r"\[\s*(['\"][^\]]*)\]", template.read_text()):
            items = re.findall(r"['\"]([^'\"]*)['\"]", literal)
            if items and all(item in values for item in items):
                offenders.append(f"{template.relative_to(TEMPLATES)}: [{literal}]")
    assert offenders == []
