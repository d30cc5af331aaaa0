"""What every command shares: acting as a user, printing a plan, exit codes (design §7).

Exit status: 0 when the command ran (even if rows had errors), 1 when the input was refused as a
whole (or the acting user may not do it), 2 for usage errors (click's own).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from webapp.cli.progress import ProgressBar
from webapp.models import Plan, User
from webapp.services import permissions, plans
from webapp.services.errors import ServiceError
from webapp.services.plans import progress
from webapp.statuses import ACTION_ORDER

as_option = click.option(
    "--as", "as_user", required=True, metavar="USERNAME", help="Act as this user; checked like a logged-in user."
)


class OutputPath(click.Path):
    """A file the command will write: refused as a usage error (exit 2, no traceback) unless its folder
    exists and can be written to (and the file, when it exists, can be overwritten)."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, writable=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = Path(super().convert(value, param, ctx))
        folder = path.parent
        if not folder.is_dir():
            self.fail(f"cannot write {str(path)!r}: the folder {str(folder)!r} does not exist.", param, ctx)
        if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            self.fail(f"cannot write {str(path)!r}: permission denied.", param, ctx)
        return str(path)


dry_run_option = click.option("--dry-run", is_flag=True, help="Plan and print the preview; write nothing.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")


def refuses_with_exit_1(func: Callable[..., Any]) -> Callable[..., Any]:
    """A ServiceError becomes a message on stderr and exit status 1; without --json, the engine's progress
    is drawn as a bar on stderr (long commands only: see `ProgressBar`)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bar = None if kwargs.get("as_json") else ProgressBar()  # long commands draw a bar on stderr
        try:
            if bar is None:
                return func(*args, **kwargs)
            with progress.reporting(bar):
                return func(*args, **kwargs)
        except ServiceError as error:
            if bar is not None:
                bar.close()
                bar = None
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)
        finally:
            if bar is not None:
                bar.close()

    return wrapper


def actor(username: str) -> User:
    return permissions.resolve_actor(username)


def echo_plan(plan: Plan, as_json: bool) -> None:
    """Print a plan: its JSON (design §7), or a readable summary with the error and skip rows."""
    data = plans.plan_json(plan)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    counts = ", ".join(f"{a} {data['counts'][a]}" for a in ACTION_ORDER if data["counts"][a])
    click.echo(f"Plan #{plan.id} ({plan.kind}) {plan.status}: {counts or 'no rows'}")
    if "outcomes" in data:
        click.echo(f"  written {data['outcomes']['applied']}, failed {data['outcomes']['failed']}")
    if plan.message:
        click.echo(f"  {plan.message}")
    for row in data["rows"]:
        click.echo(f"  row {row['row']}: {row['action']} {row['code']} {row['message']}".rstrip())
