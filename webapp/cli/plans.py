"""`flask plans …`: show, apply and expire plans made by any capability."""

from __future__ import annotations

import click

from webapp.cli.common import actor, as_option, echo_plan, json_option, refuses_with_exit_1
from webapp.services import plans


@click.group("plans", help="Show, apply and expire plans.")
def group() -> None:
    pass


@group.command("show")
@click.argument("plan_id", type=int)
@json_option
@refuses_with_exit_1
def show(plan_id: int, as_json: bool) -> None:
    """Print a plan's status, counts and error rows."""
    echo_plan(plans.get_plan(plan_id, None), as_json)


@group.command("apply")
@click.argument("plan_id", type=int)
@as_option
@json_option
@refuses_with_exit_1
def apply(plan_id: int, as_user: str, as_json: bool) -> None:
    """Apply a previewed plan (prints status applied, or stale with the fresh plan)."""
    result = plans.apply_plan(plan_id, actor(as_user))
    echo_plan(result.plan, as_json)


@group.command("expire")
@refuses_with_exit_1
def expire() -> None:
    """Expire every previewed plan past its expiry time."""
    click.echo(f"{plans.expire_plans()} plan(s) expired.")
