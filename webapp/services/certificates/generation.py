"""Learner self-generation toggle (domain §1.5, the platform's `set_cert_generation_enabled`): whether
learners of a self-paced course may request their own certificate; under the global switch in settings."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from webapp.extensions import db
from webapp.models import Course, User
from webapp.services import audit, permissions


@dataclass
class GenerationState:
    """The course switch, the global switch, and whether certificates are generated (both on)."""

    course: Course
    course_enabled: bool
    global_enabled: bool

    @property
    def effective(self) -> bool:
        return self.course_enabled and self.global_enabled

    label = "Learners can generate their own certificates"

    @property
    def consequence(self) -> str:
        """What flipping the course switch would do, in words staff read before the click."""
        if self.course_enabled:
            return (
                "Turning it off stops learners of this course (when self-paced) from requesting their own "
                "certificate; certificates already issued stay as they are, and staff can still generate "
                "certificates below."
            )
        if not self.global_enabled:
            return (
                "Turning it on records the course's choice, but learners cannot request certificates while "
                "the global switch (CERTIFICATES_GENERATION_ENABLED) is off."
            )
        return (
            "Turning it on lets learners of this course (when self-paced) who pass request their own "
            "certificate from their progress page; nothing is issued by the click itself."
        )


@dataclass
class ToggleResult:
    state: GenerationState
    changed: bool


def state_of(course: Course) -> GenerationState:
    return GenerationState(
        course, bool(course.certificates_enabled), bool(current_app.config.get("CERTIFICATES_GENERATION_ENABLED", True))
    )


def generation_state(actor: User, course_key: str) -> GenerationState:
    return state_of(permissions.require_course(actor, course_key))


@dataclass
class TogglePreview:
    """The confirmation of a flip: the course's state now and the state asked for (nothing written)."""

    state: GenerationState
    enable: bool

    @property
    def changes(self) -> bool:
        return self.state.course_enabled != self.enable

    @property
    def consequence(self) -> str:
        if not self.changes:
            word = "on" if self.enable else "off"
            return f"Learner self-generation is already {word} for this course; confirming changes nothing."
        return self.state.consequence


def preview_generation(actor: User | None, course_key: str, enable: bool) -> TogglePreview:
    """What setting the course's switch to `enable` does (the confirmation page); writes nothing."""
    course = permissions.require_certificate_changes(actor, permissions.get_course(course_key))
    return TogglePreview(state_of(course), enable)


def set_generation(actor: User | None, course_key: str, enable: bool, *, remote_addr: str = "") -> ToggleResult:
    """Set the course's switch to `enable` (a repeated click changes nothing) and audit the flip."""
    course = permissions.require_certificate_changes(actor, permissions.get_course(course_key))
    if bool(course.certificates_enabled) == enable:
        return ToggleResult(state_of(course), changed=False)
    course.certificates_enabled = enable
    word = "allowed" if enable else "no longer allowed"
    audit.record(
        "certificates.generation",
        actor,
        course_key=course.key,
        remote_addr=remote_addr,
        summary=f"Learner self-generation of certificates {word} in {course.key}",
        detail={"before": not enable, "after": enable},
    )
    db.session.commit()
    return ToggleResult(state_of(course), changed=True)
