"""Command line: `flask --app wsgi <group> <command>`, thin wrappers over the same services."""

from __future__ import annotations

import importlib

from flask import Flask

CLI_MODULES = ("users", "data", "plans", "certificates", "academies", "proctoring", "completion")


def register_cli(app: Flask) -> None:
    for name in CLI_MODULES:
        try:
            module = importlib.import_module(f"webapp.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"webapp.cli.{name}":
                raise
            continue
        app.cli.add_command(module.group)
