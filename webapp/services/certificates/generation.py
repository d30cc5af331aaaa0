"""Learner self-generation toggle (domain §1.5, the platform's `set_cert_generation_enabled`): whether
learners of a self-paced course may request their own certificate; under the global switch in settings.

A flip is a one-row plan (`certificates.generation_toggle`) run through `plans.run_single`: instructors and
global staff only (a certificate change), confirmed first with its consequence, audited, "done" only when written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app

from webapp.models import Course, PlanRow, User
from webapp.services import audit, plans
from webapp.services.certificates.common import CertificateChangeKind, changing_course
from webapp.services.messages import N_, rule_message
from webapp.services.plans import Decision, Item, PlanContext
from webapp.statuses import Action

TOGGLE_KIND = "certificates.generation_toggle"


@dataclass
class GenerationState:
    """The course switch, the global switch, and whether certificates are generated (both on)."""

    course: Course
    course_enabled: bool
    global_enabled: bool

    @property
    def effective(self) -> bool:
        return self.course_enabled and self.global_enabled

    label = N_("Learners can generate their own certificates")

    @property
    def consequence(self) -> str:
        """What flipping the course switch would do, in words staff read before the click (English; pages
        show it `translated`)."""
        if self.course_enabled:
            return N_(
                "Turning it off stops learners of this course (when self-paced) from requesting their own "
                "certificate; certificates already issued stay as they are, and staff can still generate "
                "certificates below."
            )
        if not self.global_enabled:
            return N_(
                "Turning it on records the course's choice, but learners cannot request certificates while "
                "the global switch (CERTIFICATES_GENERATION_ENABLED) is off."
            )
        return N_(
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
            if self.enable:
                return N_("Learner self-generation is already on for this course; confirming changes nothing.")
            return N_("Learner self-generation is already off for this course; confirming changes nothing.")
        return self.state.consequence


@dataclass(frozen=True, slots=True)
class TogglePayload:
    """The typed payload of a toggle row: the state asked for."""

    enable: bool

    def to_data(self) -> dict[str, Any]:
        return {"enable": self.enable}


def _word(enabled: bool) -> str:
    return "on" if enabled else "off"


class GenerationToggleKind(CertificateChangeKind):
    """Turn learner self-generation on or off for one course (one row: the course)."""

    name = TOGGLE_KIND
    title = N_("Learner self-generation")
    input_columns = ("enable",)

    def decide(self, ctx: PlanContext, items: Sequence[Item]) -> list[Decision]:
        course = ctx.require_course()
        current = bool(course.certificates_enabled)
        decisions = []
        for item in items:
            enable = bool(item.data.get("enable"))
            if enable == current:
                decisions.append(
                    Decision(
                        Action.UNCHANGED,
                        course.key,
                        GenerationState.label,
                        message=rule_message("already on") if enable else rule_message("already off"),
                    )
                )
                continue
            decisions.append(
                Decision(
                    Action.UPDATE,
                    course.key,
                    GenerationState.label,
                    message=rule_message("learner self-generation off → on")
                    if enable
                    else rule_message("learner self-generation on → off"),
                    before={"certificates_enabled": current},
                    after={"certificates_enabled": enable},
                )
            )
        return decisions

    def apply(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
        course = ctx.require_course()
        for row in rows:
            enable = bool(row.data.get("enable"))
            course.certificates_enabled = enable
            word = "allowed" if enable else "no longer allowed"
            audit.record(
                "certificates.generation",
                ctx.actor,
                course_key=course.key,
                remote_addr=str(ctx.params.get("remote_addr", "")),
                summary=f"Learner self-generation of certificates {word} in {course.key}",
                detail={"before": not enable, "after": enable},
            )


def preview_generation(actor: User | None, course_key: str, enable: bool) -> TogglePreview:
    """What setting the course's switch to `enable` does (the confirmation page); writes nothing."""
    return TogglePreview(state_of(changing_course(actor, course_key)), enable)


def set_generation(actor: User | None, course_key: str, enable: bool, *, remote_addr: str = "") -> ToggleResult:
    """Set the course's switch to `enable` as a one-row plan (a repeated click changes nothing) and audit it."""
    course = changing_course(actor, course_key)
    item = Item.of(1, [_word(enable)], TogglePayload(enable))
    done = plans.run_single(
        TOGGLE_KIND,
        item,
        actor=actor,
        course=course,
        params={"remote_addr": remote_addr},
        source_name="generation toggle",
    )
    return ToggleResult(state_of(course), changed=done.written)
