"""Template globals: the main navigation, a course's tabs, badges. Links appear only for endpoints that exist."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from webapp.models import Course
from webapp.statuses import (
    ACTION_ORDER,
    WRITE_ACTIONS,
    Action,
    AttemptStatus,
    CertificateFilter,
    CertificateStatus,
    CourseRole,
    CreditStatus,
    EffectKind,
    EnrollmentMode,
    GenerationScope,
    Grade,
    InvalidationState,
    PlanStatus,
    ProviderReviewStatus,
    ReviewStatus,
    RowOutcome,
    SkipReason,
    SpecialCase,
    Switch,
    badge_class,
    label_of,
)

# (endpoint, label, global staff only)
MAIN_NAV = (
    ("courses.dashboard", "Courses", False),
    ("proctoring.queue", "Proctoring reviews", False),
    ("academies.index", "Academies", True),
    ("completion.index", "Completion export", True),
    ("plans.history", "Plans", True),
    ("audit.index", "Audit", True),
)

# (key, endpoint, label): the tabs of one course's pages
COURSE_TABS = (
    ("overview", "courses.course", "Overview"),
    ("issued", "certificates.issued", "Certificates"),
    ("exceptions", "certificates.exceptions", "Exceptions"),
    ("invalidations", "certificates.invalidations", "Invalidations"),
    ("proctoring", "proctoring.course_queue", "Proctoring"),
    ("plans", "plans.course_history", "Plan history"),
)


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str
    active: bool = False


def main_nav() -> list[NavItem]:
    items = []
    for endpoint, label, global_only in MAIN_NAV:
        if endpoint not in current_app.view_functions or (global_only and not current_user.is_staff):
            continue
        blueprint = endpoint.split(".")[0]
        active = (request.blueprint == blueprint and blueprint != "courses") or request.endpoint == endpoint
        items.append(NavItem(endpoint, label, url_for(endpoint), active))
    return items


CERTIFICATE_TABS = frozenset({"issued", "exceptions", "invalidations"})


def course_tabs(course: Course) -> list[NavItem]:
    """The course's tabs; the certificate tabs only while the global switch is on (domain §1.5: the
    platform's `certificatesEnabled`; the course's own switch does not hide them)."""
    certificates = bool(current_app.config.get("CERTIFICATES_GENERATION_ENABLED", True))
    return [
        NavItem(key, label, url_for(endpoint, course_key=course.key))
        for key, endpoint, label in COURSE_TABS
        if endpoint in current_app.view_functions and (certificates or key not in CERTIFICATE_TABS)
    ]


# The vocabulary of a plan row's before/after field, so the Change column shows labels, never codes.
CHANGE_VOCABULARIES: dict[str, type[StrEnum]] = {
    "status": CertificateStatus,
    "certificate_status": CertificateStatus,
    "status_before": CertificateStatus,
    "attempt_status": AttemptStatus,
    "credit_status": CreditStatus,
    "review_status": ProviderReviewStatus,
    "mode": EnrollmentMode,
}


def change_value(field: str, value: object) -> str:
    """One value of a plan row's Change column as staff read it: a label for a status, "—" for none."""
    return label_of(value, CHANGE_VOCABULARIES.get(field))


# The vocabulary of a plan parameter, so the plan header reads "scope: All Learners", not "scope: all".
PARAM_VOCABULARIES: dict[str, type[StrEnum]] = {"scope": GenerationScope}


def param_value(key: str, value: object) -> str:
    """One plan parameter as staff read it: a label for a vocabulary value, yes/no for a flag."""
    return label_of(value, PARAM_VOCABULARIES.get(key))


def plan_kind_title(name: str) -> str:
    from webapp.services.plans import KINDS

    kind = KINDS.get(name)
    return kind.title if kind else name


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        main_nav=main_nav,
        course_tabs=course_tabs,
        badge_class=badge_class,
        status_label=label_of,
        change_value=change_value,
        param_value=param_value,
        plan_kind_title=plan_kind_title,
        # The vocabularies, so templates compare with enums and never spell a status themselves.
        Action=Action,
        PlanStatus=PlanStatus,
        RowOutcome=RowOutcome,
        Switch=Switch,
        SpecialCase=SpecialCase,
        InvalidationState=InvalidationState,
        CertificateFilter=CertificateFilter,
        CertificateStatus=CertificateStatus,
        AttemptStatus=AttemptStatus,
        CreditStatus=CreditStatus,
        EffectKind=EffectKind,
        EnrollmentMode=EnrollmentMode,
        ReviewStatus=ReviewStatus,
        ProviderReviewStatus=ProviderReviewStatus,
        Grade=Grade,
        SkipReason=SkipReason,
        CourseRole=CourseRole,
        ACTION_ORDER=ACTION_ORDER,
        WRITE_ACTIONS=[a for a in ACTION_ORDER if a in WRITE_ACTIONS],
    )
