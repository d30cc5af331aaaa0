"""`flask certificates import-exceptions | remove-exceptions | exceptions`: the allowlist on the command line."""

from __future__ import annotations

import click

from webapp.cli.certificates import course_option, group, roster_command
from webapp.cli.common import actor, refuses_with_exit_1
from webapp.services.certificates import exceptions
from webapp.services.csvio import csv_lines

roster_command(
    "import-exceptions",
    "Grant certificate exceptions from a roster CSV (plan and apply; --dry-run only plans).",
    lambda user, course_key, stream, name, encoding: exceptions.plan_upload(
        user, course_key, stream, name, encoding=encoding
    ),
)
roster_command(
    "remove-exceptions",
    "Remove certificate exceptions listed in a roster CSV; their certificates are made unavailable first.",
    lambda user, course_key, stream, name, encoding: exceptions.plan_upload(
        user, course_key, stream, name, encoding=encoding, removal=True
    ),
)


@group.command("exceptions")
@course_option
@click.option(
    "--as",
    "as_user",
    default=None,
    metavar="USERNAME",
    help="Act as this user (checked like a logged-in user); default: the command line itself.",
)
@refuses_with_exit_1
def list_exceptions(course_key: str, as_user: str | None) -> None:
    """Print the course's allowlist as CSV on stdout (username, email, full_name, notes, created, created_by)."""
    _, header, rows = exceptions.allowlist_csv(actor(as_user) if as_user else None, course_key)
    for chunk in csv_lines(header, rows):
        click.echo(chunk.removeprefix("\ufeff"), nl=False)
