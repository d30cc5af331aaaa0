"""The certificates blueprint: exceptions, invalidations, issued certificates, generation toggle and runs.

Routes live in the submodules, imported below (after `bp` exists) so that each adds its routes to it.
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from webapp.services import permissions

bp = Blueprint("certificates", __name__)


@bp.app_context_processor
def _certificate_helpers() -> dict:
    """`may_change_certificates(course)`: whether the pages show the change controls (domain §0)."""

    def may_change_certificates(course) -> bool:
        return permissions.may_change_certificates(current_user, course)

    return {
        "may_change_certificates": may_change_certificates,
        "certificate_changes_hint": permissions.CERTIFICATE_CHANGES_HINT,
    }


from webapp.views.certificates import exceptions, generation, invalidations, issued  # noqa: E402, F401
