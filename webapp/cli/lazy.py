"""Commands whose modules are imported only when one of them runs.

`flask --help` and every command pay for what the app imports at start-up. When the `flask` command loads the
app only to list or look up its commands, each command of the app is installed by name and help, and its module
(with the views, services and models behind it) is imported when it runs; a group that pulls in a large
library (Alembic, for `flask db`) is always installed that way.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import click


def load(target: str) -> click.Command:
    """The click command (or group) at `target`, "module:attribute"; a missing module raises ImportError."""
    module, attribute = target.split(":")
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is not a click command")
    return command


def looking_up_commands() -> bool:
    """True while the `flask` command line loads the app to list or look up its commands (`flask --help`, or
    `flask users …` before `users` runs); False for an app built by gunicorn, a test or a script, and for one
    loaded by a command's own body (`flask run`, `flask shell`, `flask routes` serve or show the whole app)."""
    context = click.get_current_context(silent=True)
    if context is None:
        return False
    from flask.cli import FlaskGroup

    return isinstance(context.command, FlaskGroup)


class LazyCommand(click.Command):
    """A command (or group) standing for `target` ("module:attribute") until it runs; `prepare`, if given, is
    called first (e.g. to finish assembling the app the command needs)."""

    def __init__(self, name: str, target: str, *, help: str, prepare: Callable[[], None] | None = None) -> None:
        super().__init__(name, help=help)
        self.target = target
        self.prepare = prepare

    def real(self) -> click.Command:
        if self.prepare is not None:
            self.prepare()
        return load(self.target)

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        return self.real().make_context(info_name, args, parent=parent, **extra)


class LazyGroup(click.Group):
    """A group standing for `target` ("module:attribute", a click.Group) until one of its commands runs;
    `prepare`, if given, is called first (e.g. to initialise the extension it belongs to)."""

    def __init__(self, name: str, target: str, *, help: str, prepare: Callable[[], None] | None = None) -> None:
        super().__init__(name, help=help)
        self.target = target
        self.prepare = prepare

    def real(self) -> click.Group:
        if self.prepare is not None:
            self.prepare()
        group = load(self.target)
        if not isinstance(group, click.Group):
            raise TypeError(f"{self.target} is not a click group")
        return group

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        return self.real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self.real().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.real().get_command(ctx, cmd_name)
