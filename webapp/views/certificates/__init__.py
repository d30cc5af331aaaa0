"""The certificates blueprint: exceptions, invalidations, issued certificates, generation toggle and runs.

Routes live in the submodules, imported below (after `bp` exists) so that each adds its routes to it.
"""

from __future__ import annotations

import re

from flask import Blueprint
from flask_login import current_user

from webapp.i18n import translate_message
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
        "shown_message": shown_message,
    }


# A refusal of a one-row action: "{learner}: {message} ({code})." (plans.single), the learner and code as they are.
_REFUSAL = re.compile(r"^(?P<who>[^:]*: )?(?P<body>.+?)(?P<code> \([a-z_]+\))?(?P<end>\.?)$", re.DOTALL)


def shown_message(text: str) -> str:
    """A refusal or result of the certificate services in the reader's language (`translate_message` reads
    messages joined by "; " too), keeping the learner it names and the row's code as they are."""
    whole = translate_message(text)
    if whole != text:
        return whole
    match = _REFUSAL.match(text)
    if match:
        body = match["body"]
        shown = translate_message(body)
        if shown != body:
            return f"{match['who'] or ''}{shown}{match['code'] or ''}{match['end']}"
    return text


from webapp.views.certificates import exceptions, generation, invalidations, issued  # noqa: E402, F401
