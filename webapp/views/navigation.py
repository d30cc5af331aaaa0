"""Template globals: the main navigation, a course's tabs, badges. Links appear only for endpoints that exist."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from flask import Flask, current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup, escape

from webapp.i18n import translate_message
from webapp.models import Course, Plan
from webapp.services import charts
from webapp.services.charts import Segment
from webapp.services.messages import N_
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
    audit_action_label,
    badge_class,
    label_of,
)
from webapp.wording import plural

# (endpoint, label, global staff only)
MAIN_NAV = (
    ("courses.dashboard", _l("Courses"), False),
    ("proctoring.queue", _l("Proctoring reviews"), False),
    ("academies.index", _l("Academies"), True),
    ("completion.index", _l("Completion export"), True),
    ("plans.history", _l("Plans"), True),
    # "Audit log", not "Audit": in Spanish the log and the enrollment track are two different words
    ("audit.index", _l("Audit log"), True),
)

# (key, endpoint, label): the tabs of one course's pages
COURSE_TABS = (
    ("overview", "courses.course", _l("Overview")),
    ("issued", "certificates.issued", _l("Certificates")),
    ("exceptions", "certificates.exceptions", _l("Exceptions")),
    ("invalidations", "certificates.invalidations", _l("Invalidations")),
    ("proctoring", "proctoring.course_queue", _l("Proctoring")),
    ("plans", "plans.course_history", _l("Plan history")),
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
        items.append(NavItem(endpoint, str(label), url_for(endpoint), active))
    return items


CERTIFICATE_TABS = frozenset({"issued", "exceptions", "invalidations"})


def course_tabs(course: Course) -> list[NavItem]:
    """The course's tabs; the certificate tabs only while the global switch is on (domain §1.5: the
    platform's `certificatesEnabled`; the course's own switch does not hide them)."""
    certificates = bool(current_app.config.get("CERTIFICATES_GENERATION_ENABLED", True))
    return [
        NavItem(key, str(label), url_for(endpoint, course_key=course.key))
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
    """One value of a plan row's Change column as staff read it: a label for a status, "—" for none,
    yes/no for a flag, a list as its items ("ai, strategy"; "none" when empty)."""
    vocabulary = CHANGE_VOCABULARIES.get(field)
    if isinstance(value, list | tuple):
        return ", ".join(translate_message(label_of(v, vocabulary)) for v in value) or _("none")
    return translate_message(label_of(value, vocabulary))


# label_of's words for a flag, shown through translate_message
N_("yes")
N_("no")


# Field and parameter names as staff read them, where the name's words alone would not do. In the context
# "field": a name inside a rule message ("notes" in "expected … username_or_email and notes") is a code and stays.
FIELD_LABELS: dict[str, str | LazyString] = {
    "is_active": lazy_pgettext("field", "active"),
    "active": lazy_pgettext("field", "active"),
    "deactivate_missing": lazy_pgettext("field", "deactivate academies the catalog no longer lists"),
    "only_missing": lazy_pgettext("field", "only what is missing"),
    "status": lazy_pgettext("field", "certificate status"),
    "status_before": lazy_pgettext("field", "certificate status before"),
    "grade": lazy_pgettext("field", "grade"),
    "review_status": lazy_pgettext("field", "provider review status"),
    "attempt_status": lazy_pgettext("field", "attempt status"),
    "credit_status": lazy_pgettext("field", "credit requirement status"),
    "stripe_price_lookup_key": lazy_pgettext("field", "Stripe price lookup key"),
    "catalog_uuid": lazy_pgettext("field", "catalog uuid"),
    "catalog_query_uuid": lazy_pgettext("field", "catalog query uuid"),
    "marketing_url": lazy_pgettext("field", "marketing URL"),
    "thumbnail_url": lazy_pgettext("field", "thumbnail URL"),
    "as_of": lazy_pgettext("field", "as of"),
    # the names' own words, listed so that they have a translation
    "notes": lazy_pgettext("field", "notes"),
    "archived": lazy_pgettext("field", "archived"),
    "certificates_enabled": lazy_pgettext("field", "certificates enabled"),
    "mode": lazy_pgettext("field", "mode"),
    "name": lazy_pgettext("field", "name"),
    "long_name": lazy_pgettext("field", "long name"),
    "slug": lazy_pgettext("field", "slug"),
    "description": lazy_pgettext("field", "description"),
    "long_description": lazy_pgettext("field", "long description"),
    "display_order": lazy_pgettext("field", "display order"),
    "tags": lazy_pgettext("field", "tags"),
    "product_key": lazy_pgettext("field", "product key"),
    "enable_audit_reporting": lazy_pgettext("field", "enable audit reporting"),
    "scope": lazy_pgettext("field", "scope"),
    "regenerate": lazy_pgettext("field", "regenerate"),
    "encoding": lazy_pgettext("field", "encoding"),
}


def field_label(name: str) -> str:
    """A stored field or plan parameter name as staff read it ("is_active" reads "active")."""
    label = FIELD_LABELS.get(name)
    return str(label) if label else translate_message(name.replace("_", " "))


def plan_action_label(kind_name: str, action: Action) -> str:
    """An action as one plan kind means it (a re-validation's rows read "Re-validate", not "Deactivate")."""
    from webapp.services.plans import KINDS

    kind = KINDS.get(kind_name)
    return translate_message(kind.action_label(action) if kind else action.label)


# The vocabulary of a plan parameter, so the plan header reads "scope: All Learners", not "scope: all".
PARAM_VOCABULARIES: dict[str, type[StrEnum]] = {"scope": GenerationScope}


def param_value(key: str, value: object) -> str:
    """One plan parameter as staff read it: a label for a vocabulary value, yes/no for a flag."""
    return translate_message(label_of(value, PARAM_VOCABULARIES.get(key)))


# Where a plan without a course belongs: its section's page(s) lead back to it (kind name → crumbs).
SECTION_CRUMBS: dict[str, tuple[tuple[LazyString, str], ...]] = {
    "academy_sync": ((_l("Academies"), "academies.index"), (_l("Sync history"), "academies.history")),
    "proctoring_replay": ((_l("Proctoring reviews"), "proctoring.queue"),),
}


def plan_breadcrumbs(plan: Plan) -> list[tuple[str, str | None]]:
    """The breadcrumb trail of a plan page, as (text, url) pairs, the plan itself last (url None): a
    course's plan goes under the course and its proctoring or plan history; an academy sync under
    Academies; a course-less replay under Proctoring reviews; anything else under the plans list."""
    crumbs: list[tuple[str, str | None]]
    if plan.course is not None:
        key = plan.course.key
        crumbs = [
            (_("Courses"), url_for("courses.dashboard")),
            (plan.course.name, url_for("courses.course", course_key=key)),
        ]
        if plan.kind.startswith("proctoring_"):
            crumbs.append((_("Proctoring"), url_for("proctoring.course_queue", course_key=key)))
        crumbs.append((_("Plan history"), url_for("plans.course_history", course_key=key)))
    elif plan.kind in SECTION_CRUMBS:
        crumbs = [(str(text), url_for(endpoint)) for text, endpoint in SECTION_CRUMBS[plan.kind]]
    else:
        crumbs = [(_("Plans"), url_for("plans.history"))]
    return [*crumbs, (_("Plan #%(id)s", id=plan.id), None)]


# The list a plan's rows land in (kind name → link text, endpoint); course endpoints get the plan's course.
SECTION_LINKS: dict[str, tuple[LazyString, str]] = {
    "certificate_exceptions": (_l("Open the allowlist"), "certificates.exceptions"),
    "certificate_exceptions_removal": (_l("Open the allowlist"), "certificates.exceptions"),
    "certificate_exceptions_revert": (_l("Open the allowlist"), "certificates.exceptions"),
    "certificates.invalidate": (_l("Open the invalidation list"), "certificates.invalidations"),
    "certificates.revalidate": (_l("Open the invalidation list"), "certificates.invalidations"),
    "certificates.generate_all": (_l("Open the issued certificates"), "certificates.issued"),
    "certificates.generate_exceptions": (_l("Open the issued certificates"), "certificates.issued"),
    "certificates.regenerate": (_l("Open the issued certificates"), "certificates.issued"),
    "certificates.generation_toggle": (_l("Open the issued certificates"), "certificates.issued"),
    "proctoring_reset": (_l("Open the attempts"), "proctoring.attempts"),
    "proctoring_second_review": (_l("Open the course's reviews"), "proctoring.course_queue"),
    "proctoring_replay": (_l("Open the reviews"), "proctoring.queue"),
    "academy_sync": (_l("Open the academies"), "academies.index"),
}


def plan_section_link(plan: Plan) -> tuple[str, str] | None:
    """(text, url) of the list the plan changes, e.g. the allowlist after an exceptions import."""
    entry = SECTION_LINKS.get(plan.kind)
    if entry is None:
        return None
    text, endpoint = str(entry[0]), entry[1]
    if endpoint == "proctoring.queue" and plan.course is not None:
        endpoint = "proctoring.course_queue"
    if endpoint.startswith(("certificates.", "proctoring.attempts", "proctoring.course_queue")):
        if plan.course is None:
            return None
        return text, url_for(endpoint, course_key=plan.course.key)
    return text, url_for(endpoint)


def plan_segments(plan: Plan) -> list[Segment]:
    """A plan's row counts per action (display order, only the actions it has), for its history bar."""
    kind_name = plan.kind
    return [
        Segment(plan_action_label(kind_name, a), plan.count(a), badge_class(a)) for a in ACTION_ORDER if plan.count(a)
    ]


def plan_kind_title(name: str) -> str:
    from webapp.services.plans import KINDS

    kind = KINDS.get(name)
    return translate_message(kind.title) if kind else name


PACING_LABELS: dict[str, LazyString] = {"self": _l("self-paced"), "instructor": _l("instructor-paced")}


def pacing_label(pacing: str) -> str:
    """A course's pacing as staff read it: "self-paced", "instructor-paced"."""
    label = PACING_LABELS.get(pacing)
    return str(label) if label else f"{pacing}-paced"


_BREAK_AFTER = re.compile(r"(?<=[+@:/])")


def breakable(text: object) -> Markup:
    """A long identifier (course key, block id, lookup key) that may wrap only after + @ : or / — never
    mid-word nor at its hyphens — so it fits a narrow column without widening the page."""
    pieces = [p for p in _BREAK_AFTER.split(str(text)) if p]
    return Markup("<wbr>".join(f'<span class="nowrap">{escape(p)}</span>' for p in pieces))


def register(app: Flask) -> None:
    app.jinja_env.filters["breakable"] = breakable
    app.jinja_env.globals.update(
        main_nav=main_nav,
        course_tabs=course_tabs,
        badge_class=badge_class,
        status_label=label_of,
        change_value=change_value,
        field_label=field_label,
        plan_action_label=plan_action_label,
        plural=plural,
        audit_action_label=audit_action_label,
        param_value=param_value,
        plan_kind_title=plan_kind_title,
        plan_breadcrumbs=plan_breadcrumbs,
        plan_section_link=plan_section_link,
        plan_segments=plan_segments,
        pacing_label=pacing_label,
        chart_bar=charts.stacked_bar,
        chart_columns=charts.column_chart,
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
