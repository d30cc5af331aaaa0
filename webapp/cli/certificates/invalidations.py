"""`flask certificates import-invalidations` and `flask certificates list`."""

from __future__ import annotations

import os

import click

from webapp.cli.certificates import group
from webapp.cli.common import actor, as_option, dry_run_option, echo_plan, json_option, refuses_with_exit_1
from webapp.services import plans
from webapp.services.certificates import invalidations, issued
from webapp.services.csvio import ENCODINGS, csv_lines, write_csv_file
from webapp.statuses import CertificateFilter


@group.command("import-invalidations")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--course", "course_key", required=True, metavar="KEY", help="Course key.")
@as_option
@click.option("--encoding", type=click.Choice(sorted(ENCODINGS)), default="utf-8", show_default=True,
              help="The file's encoding.")
@dry_run_option
@json_option
@click.option("--errors-csv", "errors_csv", type=click.Path(dir_okay=False, writable=True), metavar="OUT",
              help="Write the error report (rows in error or skipped) to this CSV file.")
@refuses_with_exit_1
def import_invalidations(path: str, course_key: str, as_user: str, encoding: str, dry_run: bool,
                         as_json: bool, errors_csv: str | None) -> None:
    """Invalidate the certificates of the learners listed in a CSV (username_or_email[,notes])."""
    user = actor(as_user)
    with open(path, "rb") as stream:
        plan = invalidations.plan_upload(user, course_key, stream, os.path.basename(path), encoding=encoding)
    if not dry_run:
        plan = plans.apply_plan(plan.id, user).plan
    if errors_csv:
        header, rows = plans.error_report(plan)
        write_csv_file(errors_csv, header, rows)
    echo_plan(plan, as_json)


@group.command("list")
@click.option("--course", "course_key", required=True, metavar="KEY", help="Course key.")
@click.option("--filter", "filter_value", default="all", metavar="LABEL", show_default=True,
              help="One of: " + ", ".join(f"{f.value} ({f.label})" for f in CertificateFilter) + ".")
@click.option("--as", "as_user", default=None, metavar="USERNAME",
              help="Act as this user (default: the command line itself).")
@refuses_with_exit_1
def list_certificates(course_key: str, filter_value: str, as_user: str | None) -> None:
    """Print the course's certificates under a filter as CSV: username, status, special_case."""
    _, rows = issued.export_rows(actor(as_user) if as_user else None, course_key, filter_value=filter_value,
                                 columns=issued.CLI_HEADER)
    for number, chunk in enumerate(csv_lines(issued.CLI_HEADER, rows)):
        click.echo(chunk.removeprefix("\ufeff") if number == 0 else chunk, nl=False)
