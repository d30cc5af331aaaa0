"""`flask plans …`: show, apply, revert, expire and recover plans made by any capability."""

from __future__ import annotations

import json

import click

from webapp.cli.common import actor, as_option, dry_run_option, echo_plan, json_option, refuses_with_exit_1
from webapp.services import plans
from webapp.wording import plural


@click.group("plans", help="Show, apply, revert, expire and recover plans.")
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


@group.command("revert")
@click.argument("plan_id", type=int)
@as_option
@dry_run_option
@json_option
@refuses_with_exit_1
def revert(plan_id: int, as_user: str, dry_run: bool, as_json: bool) -> None:
    """Plan the revert of an applied plan and apply it (--dry-run: plan and print only).

    Exit 1 when the plan was already reverted, has no inverse or is not applied.
    """
    user = actor(as_user)
    inverse = plans.revert_plan(plan_id, user)
    if dry_run:
        echo_plan(inverse, as_json)
        return
    echo_plan(plans.apply_plan(inverse.id, user).plan, as_json)


@group.command("recover")
@json_option
@refuses_with_exit_1
def recover(as_json: bool) -> None:
    """Recover plans left `applying` by a worker that died: their apply lease expired."""
    recovered = plans.recover_expired(None)
    if as_json:
        click.echo(json.dumps({"recovered": [r.as_dict() for r in recovered]}))
        return
    for r in recovered:
        if r.written or r.failed:
            written = plural(r.written, "{n} row", "{n} rows")
            what = f"failed: {written} had been written, {r.failed} failed; the rest was not"
        else:
            what = "previewed again: nothing had been written; it can be applied again"
        click.echo(f"Plan #{r.plan_id} ({r.kind}) {what}.")
    click.echo(plural(len(recovered), "{n} plan recovered.", "{n} plans recovered."))
