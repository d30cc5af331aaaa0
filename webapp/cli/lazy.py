"""Command groups whose modules are imported only when one of their commands runs.

`flask --help` and every command pay for what the app imports at start-up; a group that pulls in a large
library (Alembic, for `flask db`) is listed by name and help, and imported when used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import click


class LazyGroup(click.Group):
    """A group standing for `target` ("module:attribute", a click.Group) until one of its commands runs;
    `prepare`, if given, is called first with the group (e.g. to initialise the extension it belongs to)."""

    def __init__(self, name: str, target: str, *, help: str, prepare: Callable[[], None] | None = None) -> None:
        super().__init__(name, help=help)
        self.target = target
        self.prepare = prepare

    def real(self) -> click.Group:
        if self.prepare is not None:
            self.prepare()
        module, attribute = self.target.split(":")
        group = getattr(importlib.import_module(module), attribute)
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
