"""`flask data load`: dev and demo data from YAML data specs."""

from __future__ import annotations

import click

from webapp.cli.common import actor, dry_run_option, echo_plan, json_option, refuses_with_exit_1
from webapp.services import devdata


@click.group("data", help="Dev and demo data from YAML data specs.")
def group() -> None:
    pass


@group.command("load")
@click.argument("path", type=click.Path(dir_okay=False))
@dry_run_option
@json_option
@click.option(
    "--as",
    "as_user",
    default=None,
    metavar="USERNAME",
    help="Act as this global staff user (default: the command line itself).",
)
@click.option(
    "--only-missing",
    is_flag=True,
    help="Create what is missing and update nothing: rows staff changed are left as they are (the demo data).",
)
@refuses_with_exit_1
def load(path: str, dry_run: bool, as_json: bool, as_user: str | None, only_missing: bool) -> None:
    """Load a data spec (or a top-level list of specs): idempotent, all or nothing."""
    plan = devdata.load_spec(
        path, actor=actor(as_user) if as_user else None, dry_run=dry_run, only_missing=only_missing
    )
    echo_plan(plan, as_json)
