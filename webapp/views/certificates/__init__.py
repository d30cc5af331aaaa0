"""The certificates blueprint: exceptions, invalidations, issued certificates, generation toggle.

Routes live in the submodules, which register themselves on `bp`.
"""

from __future__ import annotations

import importlib

from flask import Blueprint

bp = Blueprint("certificates", __name__)

for _name in ("exceptions", "invalidations", "issued"):
    try:
        importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as _error:
        if _error.name != f"{__name__}.{_name}":
            raise
