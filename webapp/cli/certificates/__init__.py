"""`flask certificates …`: the certificates tab on the command line. Commands live in the submodules;
the roster commands (import-exceptions, remove-exceptions, import-invalidations) share `roster_command`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import click

from webapp.cli.common import (
    OutputPath,
    actor,
    as_option,
    dry_run_option,
    echo_plan,
    json_option,
    refuses_with_exit_1,
)
from webapp.models import Plan, User
from webapp.services import plans
from webapp.services.csvio import ENCODINGS, write_csv_file
from webapp.services.errors import ServiceError

# (actor, course key, stream, file name, encoding) -> the previewed plan
RosterPlanner = Callable[[User | None, str, BinaryIO, str, str], Plan]

course_option = click.option("--course", "course_key", required=True, metavar="KEY", help="The course key.")


@click.group("certificates", help="Certificate exceptions, invalidations, lists and generation.")
def group() -> None:
    pass


def roster_command(name: str, help_text: str, planner: RosterPlanner) -> None:
    """Register `certificates NAME PATH --course KEY --as USERNAME [--encoding] [--dry-run] [--json]
    [--errors-csv OUT]`: plan the roster, apply it unless --dry-run, print the plan (design §7)."""

    @group.command(name, help=help_text)
    @click.argument("path", type=click.Path(dir_okay=False))
    @course_option
    @as_option
    @click.option(
        "--encoding",
        type=click.Choice(sorted(ENCODINGS)),
        default="utf-8",
        show_default=True,
        help="The file's encoding.",
    )
    @dry_run_option
    @json_option
    @click.option(
        "--errors-csv",
        type=OutputPath(),
        default=None,
        metavar="OUT",
        help="Write the error report (CSV) to this file.",
    )
    @refuses_with_exit_1
    def command(
        path: str, course_key: str, as_user: str, encoding: str, dry_run: bool, as_json: bool, errors_csv: str | None
    ) -> None:
        user = actor(as_user)
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed by the with below
        except OSError as error:
            raise ServiceError(f"Cannot read {path}: {error.strerror}.") from None
        with stream:
            plan = planner(user, course_key, stream, Path(path).name, encoding)
        if not dry_run:
            plan = plans.apply_plan(plan.id, user).plan
        if errors_csv:
            header, rows = plans.error_report(plan)
            write_csv_file(errors_csv, header, rows)
        echo_plan(plan, as_json)


# The commands live in these modules; imported last because they use `group` and `roster_command`.
from webapp.cli.certificates import exceptions, generation, invalidations  # noqa: E402, F401
