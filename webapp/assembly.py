"""The composition root: every blueprint, CLI group, data-spec entity and plan kind of the app, listed once.

`create_app` installs what is listed here, and nothing is registered by an import's side effect: a reader
sees the whole app in this file, and a missing module fails when the app starts.
"""

from __future__ import annotations

import click
from flask import Blueprint, Flask

from webapp import i18n, views
from webapp.cli import academies as academies_cli
from webapp.cli import certificates as certificates_cli
from webapp.cli import completion as completion_cli
from webapp.cli import data as data_cli
from webapp.cli import jobs as jobs_cli
from webapp.cli import plans as plans_cli
from webapp.cli import proctoring as proctoring_cli
from webapp.cli import users as users_cli
from webapp.services import academies, devdata, jobs, plans, specs
from webapp.services.certificates import exceptions, generation, generation_runs, invalidations
from webapp.services.jobs import planners as job_planners
from webapp.services.proctoring import replay, reset, second_review
from webapp.services.specs import academies as academy_specs
from webapp.services.specs import certificates as certificate_specs
from webapp.services.specs import core as core_specs
from webapp.services.specs import enterprise as enterprise_specs
from webapp.services.specs import proctoring as proctoring_specs
from webapp.services.specs.base import Entity
from webapp.views import academies as academies_views
from webapp.views import api as api_views
from webapp.views import audit as audit_views
from webapp.views import auth as auth_views
from webapp.views import certificates as certificates_views
from webapp.views import completion as completion_views
from webapp.views import courses as courses_views
from webapp.views import jobs as jobs_views
from webapp.views import plans as plans_views
from webapp.views import proctoring as proctoring_views

BLUEPRINTS: tuple[Blueprint, ...] = (
    auth_views.bp,
    i18n.bp,  # the language switcher
    courses_views.bp,
    plans_views.bp,
    jobs_views.bp,  # background jobs: progress, cancel
    certificates_views.bp,  # exceptions, invalidations, issued certificates, generation
    academies_views.bp,
    proctoring_views.bp,
    completion_views.bp,
    audit_views.bp,
    api_views.bp,  # the signed proctoring provider webhook
)

CLI_GROUPS: tuple[click.Command, ...] = (
    users_cli.group,
    data_cli.group,
    plans_cli.group,
    certificates_cli.group,  # exceptions, invalidations, generation
    academies_cli.group,
    proctoring_cli.group,
    completion_cli.group,
    jobs_cli.group,  # list, recover
    jobs_cli.worker,  # `flask worker`: the queue worker
)

# The entities a data spec may hold, in load order (domain §5): an entity comes after those it refers to.
SPEC_ENTITIES: tuple[Entity, ...] = (
    core_specs.Users(),
    core_specs.Courses(),
    core_specs.CourseStaffRoles(),
    core_specs.Enrollments(),
    certificate_specs.Certificates(),
    certificate_specs.Allowlist(),
    certificate_specs.Invalidations(),
    enterprise_specs.Grades(),
    enterprise_specs.EnterpriseCustomers(),
    enterprise_specs.EnterpriseLearners(),
    enterprise_specs.Consents(),
    proctoring_specs.Exams(),
    proctoring_specs.Attempts(),
    proctoring_specs.Reviews(),
    academy_specs.Academies(),
)

PLAN_KINDS: tuple[type[plans.PlanKind], ...] = (
    devdata.DataSpecKind,
    exceptions.AddExceptions,
    exceptions.RemoveExceptions,
    exceptions.RevertExceptions,
    invalidations.InvalidateKind,
    invalidations.RevalidateKind,
    generation_runs.GenerateAll,
    generation_runs.GenerateExceptions,
    generation_runs.Regenerate,
    generation.GenerationToggleKind,
    academies.AcademySyncKind,
    replay.ReplayKind,
    reset.ResetKind,
    second_review.SecondReviewKind,
)


# What a planning job may run (services/jobs): uploads past JOB_THRESHOLD_ROWS, generation runs, replays.
JOB_PLANNERS: tuple[jobs.Planner, ...] = (
    job_planners.EXCEPTIONS_UPLOAD,
    job_planners.INVALIDATIONS_UPLOAD,
    job_planners.REPLAY,
    job_planners.GENERATION,
)


def install(app: Flask) -> None:
    """Install everything listed above into the app and the engine's registries."""
    views.register_blueprints(app, BLUEPRINTS)
    for group in CLI_GROUPS:
        app.cli.add_command(group)
    specs.install(SPEC_ENTITIES)
    for kind in PLAN_KINDS:
        plans.register(kind)
    for planner in JOB_PLANNERS:
        jobs.register_planner(planner)
