"""`flask certificates import-exceptions | remove-exceptions | exceptions`: the allowlist on the command line."""

from __future__ import annotations

from pathlib import Path

import click

from webapp.cli.certificates import group
from webapp.cli.common import actor, as_option, dry_run_option, echo_plan, json_option, refuses_with_exit_1
from webapp.services import plans
from webapp.services.certificates import exceptions
from webapp.services.csvio import ENCODINGS, csv_lines, write_csv_file
from webapp.services.errors import ServiceError

course_option = click.option("--course", "course_key", required=True, metavar="KEY", help="The course key.")
encoding_option = click.option("--encoding", type=click.Choice(sorted(ENCODINGS)), default="utf-8",
                               show_default=True, help="The file's encoding.")
errors_csv_option = click.option("--errors-csv", type=click.Path(dir_okay=False, writable=True), default=None,
                                 metavar="OUT", help="Write the error report (CSV) to this file.")


def _run(path: str, course_key: str, as_user: str, encoding: str, dry_run: bool, as_json: bool,
         errors_csv: str | None, removal: bool) -> None:
    user = actor(as_user)
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise ServiceError(f"Cannot read {path}: {error.strerror}.") from None
    with stream:
        plan = exceptions.plan_upload(user, course_key, stream, Path(path).name, encoding=encoding,
                                      removal=removal)
    if not dry_run:
        plan = plans.apply_plan(plan.id, user).plan
    if errors_csv:
        header, rows = plans.error_report(plan)
        write_csv_file(errors_csv, header, rows)
    echo_plan(plan, as_json)


@group.command("import-exceptions")
@click.argument("path", type=click.Path(dir_okay=False))
@course_option
@as_option
@encoding_option
@dry_run_option
@json_option
@errors_csv_option
@refuses_with_exit_1
def import_exceptions(path: str, course_key: str, as_user: str, encoding: str, dry_run: bool, as_json: bool,
                      errors_csv: str | None) -> None:
    """Grant certificate exceptions from a roster CSV (plan and apply; --dry-run only plans)."""
    _run(path, course_key, as_user, encoding, dry_run, as_json, errors_csv, removal=False)


@group.command("remove-exceptions")
@click.argument("path", type=click.Path(dir_okay=False))
@course_option
@as_option
@encoding_option
@dry_run_option
@json_option
@errors_csv_option
@refuses_with_exit_1
def remove_exceptions(path: str, course_key: str, as_user: str, encoding: str, dry_run: bool, as_json: bool,
                      errors_csv: str | None) -> None:
    """Remove certificate exceptions listed in a roster CSV; certificates are invalidated first."""
    _run(path, course_key, as_user, encoding, dry_run, as_json, errors_csv, removal=True)


@group.command("exceptions")
@course_option
@click.option("--as", "as_user", default=None, metavar="USERNAME",
              help="Act as this user (checked like a logged-in user); default: the command line itself.")
@refuses_with_exit_1
def list_exceptions(course_key: str, as_user: str | None) -> None:
    """Print the course's allowlist as CSV on stdout (username, email, full_name, notes, created, created_by)."""
    _, header, rows = exceptions.allowlist_csv(actor(as_user) if as_user else None, course_key)
    for chunk in csv_lines(header, rows):
        click.echo(chunk.removeprefix("\ufeff"), nl=False)
