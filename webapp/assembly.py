"""The composition root: every blueprint, CLI command, data-spec entity and plan kind of the app, listed once.

`create_app` installs what is listed here, and nothing is registered by an import's side effect: a reader
sees the whole app in this file, and a missing module fails when the app starts.

Commands are listed by name, help and place ("module:attribute"), so that `flask --help`, which loads the app
only to list its commands, imports no command module, view, service or model: while the `flask` command line
looks up commands, `create_app` installs them by name and help (`install_commands(…, on_demand=…)`), and the
first one that runs installs the rest of this list (`webapp.assemble`), then imports its module; a missing
module then fails when that command runs. Every other app (gunicorn, `flask run`, `flask shell`, the tests, a
script) imports and installs everything at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask

from webapp.cli.lazy import LazyCommand, load

if TYPE_CHECKING:
    from flask import Blueprint

    from webapp.services.jobs import Planner
    from webapp.services.plans import PlanKind
    from webapp.services.specs.base import Entity


@dataclass(frozen=True)
class CommandRef:
    """A command (or group) of `flask`: its name and one-line help as `flask --help` lists them, and where it
    is ("module:attribute"). tests/test_assembly.py checks both against the command itself."""

    name: str
    target: str
    help: str


COMMANDS: tuple[CommandRef, ...] = (
    CommandRef("users", "webapp.cli.users:group", "Staff accounts."),
    CommandRef("data", "webapp.cli.data:group", "Dev and demo data from YAML data specs."),
    CommandRef("plans", "webapp.cli.plans:group", "Show, apply, revert, expire and recover plans."),
    # exceptions, invalidations, generation
    CommandRef(
        "certificates", "webapp.cli.certificates:group", "Certificate exceptions, invalidations, lists and generation."
    ),
    CommandRef("academies", "webapp.cli.academies:group", "Academies synced from the enterprise catalog."),
    CommandRef(
        "proctoring",
        "webapp.cli.proctoring:group",
        "Proctoring reviews: replay payloads, list and reset attempts, sign payloads.",
    ),
    CommandRef("completion", "webapp.cli.completion:group", "Learner completion exports of enterprise customers."),
    CommandRef("jobs", "webapp.cli.jobs:group", "List background jobs; recover those whose worker stopped."),
    # `flask worker`: the queue worker
    CommandRef(
        "worker", "webapp.cli.jobs:worker", "Run a queue worker: background jobs from REDIS_URL (stop with Ctrl+C)."
    ),
)


def blueprints() -> tuple[Blueprint, ...]:
    from webapp import i18n
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

    return (
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


def spec_entities() -> tuple[Entity, ...]:
    """The entities a data spec may hold, in load order (domain §5): an entity comes after those it refers to."""
    from webapp.services.specs import academies as academy_specs
    from webapp.services.specs import certificates as certificate_specs
    from webapp.services.specs import core as core_specs
    from webapp.services.specs import enterprise as enterprise_specs
    from webapp.services.specs import proctoring as proctoring_specs

    return (
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


def plan_kinds() -> tuple[type[PlanKind], ...]:
    from webapp.services import academies, devdata
    from webapp.services.certificates import exceptions, generation, generation_runs, invalidations
    from webapp.services.proctoring import replay, reset, second_review

    return (
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


def job_planners() -> tuple[Planner, ...]:
    """What a planning job may run (services/jobs): uploads past JOB_THRESHOLD_ROWS, generation runs, replays."""
    from webapp.services.jobs import planners as job_planners

    return (
        job_planners.EXCEPTIONS_UPLOAD,
        job_planners.INVALIDATIONS_UPLOAD,
        job_planners.REPLAY,
        job_planners.GENERATION,
    )


def install_commands(app: Flask, on_demand: Callable[[], None] | None = None) -> None:
    """Install the commands into `app.cli`: imported now, or, given `on_demand` (which finishes assembling the
    app), by name and help, each imported when it runs, after `on_demand()`."""
    for command in COMMANDS:
        if on_demand is None:
            app.cli.add_command(load(command.target), command.name)
        else:
            app.cli.add_command(LazyCommand(command.name, command.target, help=command.help, prepare=on_demand))


def install(app: Flask) -> None:
    """Install everything listed above but the commands into the app and the engine's registries."""
    from webapp import models, views  # noqa: F401  (models: register every table with the metadata)
    from webapp.services import jobs, plans, specs

    views.register_blueprints(app, blueprints())
    specs.install(spec_entities())
    for kind in plan_kinds():
        plans.register(kind)
    for planner in job_planners():
        jobs.register_planner(planner)
