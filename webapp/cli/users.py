"""`flask users …`: staff accounts."""

from __future__ import annotations

import sys

import click

from webapp.cli.common import refuses_with_exit_1
from webapp.services import auth


@click.group("users", help="Staff accounts.")
def group() -> None:
    pass


@group.command("create-staff")
@click.argument("username")
@click.option("--email", required=True, help="The staff member's email.")
@click.option("--global", "is_global", is_flag=True, help="Global staff: may act on every course.")
@click.option("--course", "courses", multiple=True, metavar="KEY", help="Course staff of this course (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@refuses_with_exit_1
def create_staff(username: str, email: str, is_global: bool, courses: tuple[str, ...], password_stdin: bool) -> None:
    """Create or update a staff user; asks for the password unless --password-stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = auth.create_staff(username, email, password, is_global=is_global, course_keys=list(courses))
    scope = "global staff" if user.is_staff else f"staff of {', '.join(courses) or 'no course yet'}"
    click.echo(f"{user.username} <{user.email}> is {scope}.")
