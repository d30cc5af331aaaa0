"""`flask certificates …`: the certificates tab on the command line. Commands live in the submodules."""

from __future__ import annotations

import importlib

import click


@click.group("certificates", help="Certificate exceptions, invalidations and lists.")
def group() -> None:
    pass


for _name in ("exceptions", "invalidations"):
    try:
        importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as _error:
        if _error.name != f"{__name__}.{_name}":
            raise
