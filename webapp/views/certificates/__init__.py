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


def translated_parts(text: str) -> str:
    """A stored English message in the reader's language, also when it is several rule messages joined by
    "; " (a row's message and its side effects, as a one-row action reports them)."""
    whole = translate_message(text)
    if whole != text:
        return whole
    parts = text.split("; ")
    # best[i]: the translation of parts[:i] made of translated pieces only (None: no such split)
    best: list[str | None] = [""] + [None] * len(parts)
    for end in range(1, len(parts) + 1):
        for start in range(end - 1, -1, -1):
            if best[start] is None:
                continue
            piece = "; ".join(parts[start:end])
            shown = translate_message(piece)
            if shown != piece:
                best[end] = shown if start == 0 else f"{best[start]}; {shown}"
                break
    return best[-1] if best[-1] is not None else text


def shown_message(text: str) -> str:
    """A refusal or result of the certificate services in the reader's language (see `translated_parts`),
    keeping the learner it names and the row's code as they are."""
    whole = translated_parts(text)
    if whole != text:
        return whole
    match = _REFUSAL.match(text)
    if match:
        body = match["body"]
        shown = translated_parts(body)
        if shown != body:
            return f"{match['who'] or ''}{shown}{match['code'] or ''}{match['end']}"
    return text


from webapp.views.certificates import exceptions, generation, invalidations, issued  # noqa: E402, F401
