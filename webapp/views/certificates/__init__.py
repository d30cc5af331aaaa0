"""The certificates blueprint: exceptions, invalidations, issued certificates, generation toggle.

Routes live in the submodules, imported below (after `bp` exists) so that each adds its routes to it.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("certificates", __name__)

from webapp.views.certificates import exceptions, invalidations, issued  # noqa: E402, F401
