"""Languages: the locale of each request (the staff member's choice, else the browser's), the switcher that
sets it, and the filters that format dates and numbers per locale.

UI strings are marked with Flask-Babel's `gettext` (`_` in templates) / `lazy_gettext` / `ngettext`; their
catalogs live in `webapp/translations/` (`make translations` compiles them; the `.mo` files are not committed).

Messages the rules produce are built and stored in English with `services.messages.rule_message`; pages
show them through `translate_message` (the `translated` filter), which finds the English template a
message was built from and fills in its translation with the same values.
"""

from __future__ import annotations

import re
import string
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from babel import Locale
from flask import Blueprint, Flask, redirect, request, url_for
from flask_babel import Babel, format_datetime, format_decimal, get_locale, get_translations, refresh
from werkzeug.wrappers import Response

from webapp.services.messages import placeholders

# The languages the console ships, in the order the switcher lists them (the first is the default).
SUPPORTED_LOCALES: tuple[str, ...] = ("en", "es")
LOCALE_COOKIE = "locale"
LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The locale chosen with the switcher (a cookie), else the best match of the browser's languages."""
    chosen = request.cookies.get(LOCALE_COOKIE, "")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    return request.accept_languages.best_match(SUPPORTED_LOCALES, default=SUPPORTED_LOCALES[0]) or "en"


def language_choices() -> list[tuple[str, str]]:
    """(code, the language's own name) for the switcher: each language named in itself, "English", "español"."""
    return [(code, Locale.parse(code).get_display_name(code) or code) for code in SUPPORTED_LOCALES]


def current_locale() -> str:
    locale = get_locale()
    return str(locale) if locale else SUPPORTED_LOCALES[0]


def format_when(value: datetime | None, seconds: bool = False) -> str:
    """A stored UTC time in the reader's locale (medium date, 24-hour time in every locale): "—" for none."""
    if value is None:
        return "—"
    return format_datetime(value, "yyyy-MM-dd HH:mm:ss" if seconds else "yyyy-MM-dd HH:mm")


def format_number(value: int | float | None) -> str:
    """A count with the locale's grouping: 100,000 in English, 100.000 in Spanish."""
    return "—" if value is None else format_decimal(value)


def _template_pattern(template: str) -> re.Pattern[str] | None:
    """The regular expression that recognises messages built from `template` (None if it is malformed)."""
    parts: list[str] = []
    seen: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return None
    for literal, name, _spec, _conversion in parsed:
        parts.append(re.escape(literal))
        if name is None:
            continue
        if not name.isidentifier():
            return None
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
    return re.compile("".join(parts), re.DOTALL) if seen else None


@lru_cache(maxsize=16)
def _templates(locale: str, catalog_id: int) -> tuple[tuple[re.Pattern[str], str, str], ...]:
    """The catalog's templates with placeholders, as (pattern, English template, translation), the longest
    literal text first so that the most specific template wins."""
    catalog: dict[Any, str] = getattr(get_translations(), "_catalog", {})
    found = []
    for msgid, translation in catalog.items():
        if not isinstance(msgid, str) or "{" not in msgid or not translation:
            continue
        pattern = _template_pattern(msgid)
        if pattern is not None and set(placeholders(translation)) == set(placeholders(msgid)):
            found.append((pattern, msgid, translation))
    found.sort(key=lambda item: len(re.sub(r"\{[^}]*\}", "", item[1])), reverse=True)
    return tuple(found)


def translate_message(message: str | None) -> str:
    """A stored English message in the reader's language: an exact translation, else the translated template
    it was built from with the same values (values that are themselves translated labels are translated too);
    a message with no translation is shown as it is."""
    if not message:
        return message or ""
    translations = get_translations()
    exact = translations.gettext(message)
    if exact != message:
        return exact
    locale = current_locale()
    if locale == SUPPORTED_LOCALES[0]:
        return message
    for pattern, _english, translation in _templates(locale, id(translations)):
        match = pattern.fullmatch(message)
        if match:
            values = {name: translations.gettext(value) for name, value in match.groupdict().items()}
            return translation.format(**values)
    return message


def _safe_back(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith(("//", "/\\")):
            return target
    return url_for("courses.dashboard")


@bp.route("/locale", methods=["POST"])
def set_locale() -> Response:
    """The switcher: remember the chosen language in a cookie and go back to the page it was chosen on."""
    chosen = request.form.get("locale", "")
    response = redirect(_safe_back(request.form.get("next")), code=303)
    if chosen in SUPPORTED_LOCALES:
        response.set_cookie(
            LOCALE_COOKIE,
            chosen,
            max_age=LOCALE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


def register(app: Flask) -> None:
    """Flask-Babel with the locale selector, and the helpers templates use."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", SUPPORTED_LOCALES[0])
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    Babel(app, locale_selector=select_locale)
    # Flask-Babel caches the locale on `g`; a request inside an outer app context (the CLI's, the tests')
    # shares that `g`, so each request chooses its language afresh.
    app.before_request(refresh)
    app.jinja_env.globals.update(language_choices=language_choices, current_locale=current_locale)
    app.jinja_env.filters.update(when=format_when, number=format_number, translated=translate_message)
