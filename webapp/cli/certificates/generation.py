"""`flask certificates generate`: a generation run (domain §1.7) planned, and applied unless --dry-run."""

from __future__ import annotations

import click

from webapp.cli.certificates import course_option, group
from webapp.cli.common import actor, as_option, dry_run_option, echo_plan, json_option, refuses_with_exit_1
from webapp.services import plans
from webapp.services.certificates import generation_runs
from webapp.statuses import GenerationScope


@group.command("generate")
@course_option
@click.option(
    "--scope",
    type=click.Choice([s.value for s in GenerationScope]),
    required=True,
    help="all: every actively enrolled learner (All Learners); exceptions: allowlisted learners without a "
    "downloadable certificate (For exceptions).",
)
@click.option("--regenerate", is_flag=True, help="Re-run generation for learners who already hold a certificate.")
@as_option
@dry_run_option
@json_option
@refuses_with_exit_1
def generate(course_key: str, scope: str, regenerate: bool, as_user: str, dry_run: bool, as_json: bool) -> None:
    """Generate certificates: preview per learner (create/update/unchanged/skip with the reason), then apply."""
    user = actor(as_user)
    plan = generation_runs.plan_generation(user, course_key, scope, regenerate=regenerate)
    if not dry_run:
        plan = plans.apply_plan(plan.id, user).plan
    echo_plan(plan, as_json)
