"""`flask certificates import-invalidations` and `flask certificates list`."""

from __future__ import annotations

import click

from webapp.cli.certificates import group, roster_command
from webapp.cli.common import actor, refuses_with_exit_1
from webapp.services.certificates import invalidations, issued
from webapp.services.csvio import csv_lines
from webapp.statuses import CertificateFilter

roster_command(
    "import-invalidations",
    "Invalidate the certificates of the learners listed in a CSV (username_or_email[,notes]).",
    lambda user, course_key, stream, name, encoding: invalidations.plan_upload(
        user, course_key, stream, name, encoding=encoding
    ),
)


@group.command("list")
@click.option("--course", "course_key", required=True, metavar="KEY", help="Course key.")
@click.option(
    "--filter",
    "filter_value",
    default="all",
    metavar="LABEL",
    show_default=True,
    help="One of: " + ", ".join(f"{f.value} ({f.label})" for f in CertificateFilter) + ".",
)
@click.option(
    "--as", "as_user", default=None, metavar="USERNAME", help="Act as this user (default: the command line itself)."
)
@refuses_with_exit_1
def list_certificates(course_key: str, filter_value: str, as_user: str | None) -> None:
    """Print the course's certificates under a filter as CSV: username, status, special_case."""
    _, rows = issued.export_rows(
        actor(as_user) if as_user else None, course_key, filter_value=filter_value, columns=issued.CLI_COLUMNS
    )
    for number, chunk in enumerate(csv_lines(issued.CLI_HEADER, rows)):
        click.echo(chunk.removeprefix("\ufeff") if number == 0 else chunk, nl=False)
