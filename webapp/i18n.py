"""Languages: the locale of each request (the staff member's choice, else the browser's), the switcher that
sets it, and the filters that format dates and numbers per locale.

UI strings are marked with Flask-Babel's `gettext` (`_` in templates) / `lazy_gettext` / `ngettext`; their
catalogs live in `webapp/translations/` (`make translations` compiles them; the `.mo` files are not committed).

Messages the rules produce are built and stored in English with `services.messages.rule_message`; pages
show them through `translate_message` (the `translated` filter), which finds the English template a
message was built from and fills in its translation with the same values.
"""

from __future__ import annotations

import os
import re
import string
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from babel import Locale
from flask import Blueprint, Flask, has_request_context, redirect, request, url_for
from flask_babel import Babel, format_datetime, format_decimal, get_locale, get_translations, refresh
from werkzeug.wrappers import Response

from webapp.services.messages import placeholders

# The languages the console ships, in the order the switcher lists them (the first is the default).
SUPPORTED_LOCALES: tuple[str, ...] = ("en", "es")
LOCALE_COOKIE = "locale"
LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The locale chosen with the switcher (a cookie), else the best match of the browser's languages; English
    outside a request (the command line, jobs run by a worker)."""
    if not has_request_context():
        return SUPPORTED_LOCALES[0]
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


def _names(template: str) -> set[str] | None:
    """The placeholder names of a template, or None when it is not a valid `str.format` template."""
    try:
        return set(placeholders(template))
    except ValueError:
        return None


def _literal_length(template: str) -> int:
    return len(re.sub(r"\{[^}]*\}", "", template))


def _literals(template: str) -> tuple[str, str, tuple[str, ...]]:
    """(text before the first placeholder, text after the last, every literal piece): a message that lacks
    one of them was not built from this template, which is told without running its pattern."""
    parsed = list(string.Formatter().parse(template))
    head = parsed[0][0] if parsed else ""
    tail = parsed[-1][0] if parsed and parsed[-1][1] is None else ""  # text after the last placeholder
    return head, tail, tuple(literal for literal, _name, _spec, _conversion in parsed if literal)


class Template(NamedTuple):
    """A catalog template with placeholders: its pattern, English text, translations and literal pieces."""

    pattern: re.Pattern[str]
    english: str
    forms: tuple[str, ...]
    literals: tuple[str, str, tuple[str, ...]]

    def may_match(self, message: str) -> bool:
        head, tail, pieces = self.literals
        return message.startswith(head) and message.endswith(tail) and all(p in message for p in pieces)


@lru_cache(maxsize=16)
def _templates(locale: str, catalog_id: int) -> tuple[Template, ...]:
    """The catalog's templates with placeholders, as (pattern, English template, translations), the longest
    literal text first so that the most specific template wins.

    A plural message (`plural()`, `ngettext`) gives two templates, its singular and its plural English
    phrase, each with every plural form of its translation (the count "{n}" picks one)."""
    translations = get_translations()
    catalog: dict[Any, str] = getattr(translations, "_catalog", {})
    found: list[Template] = []

    def add(msgid: str, forms: tuple[str, ...]) -> None:
        """A template whose translations use its placeholders (a plural's singular form may leave out "{n}")."""
        if "{" not in msgid or not all(forms):
            return
        pattern = _template_pattern(msgid)
        wanted = _names(msgid)
        if pattern is None or wanted is None:
            return
        names = [_names(form) for form in forms]
        if (len(forms) == 1 and names[0] == wanted) or (
            len(forms) > 1 and all(n is not None and n <= wanted for n in names)
        ):
            found.append(Template(pattern, msgid, forms, _literals(msgid)))

    for msgid, translation in catalog.items():
        if isinstance(msgid, str):
            add(msgid, (translation,))
    for singular, many, forms in _plural_messages(locale):
        add(singular, forms)
        add(many, forms)
    found.sort(key=lambda item: _literal_length(item[1]), reverse=True)
    return tuple(found)


def _plural_messages(locale: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(singular, plural, translated forms) of the compiled catalog's plural messages: the English plural
    phrase is not kept by `gettext` once loaded, so it is read from the .mo files themselves."""
    from babel.messages.mofile import read_mo
    from flask_babel import get_babel

    messages: list[tuple[str, str, tuple[str, ...]]] = []
    config = get_babel()
    for directory in config.translation_directories:
        path = os.path.join(directory, locale, "LC_MESSAGES", f"{config.default_domain}.mo")
        if not os.path.isfile(path):
            continue
        try:
            with open(path, "rb") as mo:
                catalog = read_mo(mo)
        except (OSError, ValueError, IndexError):  # pragma: no cover - a broken .mo: plural messages stay English
            continue
        for message in catalog:
            if isinstance(message.id, tuple | list) and isinstance(message.string, tuple | list):
                singular, many = message.id[0], message.id[1]
                messages.append((singular, many, tuple(message.string)))
    return messages


# A message longer than this is shown as it is when no exact translation exists: the template patterns are
# not run over a hostile row's long identifier (a page shows 50 rows; each stays well under a millisecond).
MAX_MATCHED_LENGTH = 1000
# How deep values are translated in turn (a message whose value is itself a message or a label).
MAX_DEPTH = 4
# At most this many "; "-joined messages are translated one by one (a row's problems are a handful).
MAX_JOINED_PARTS = 8
_GROUPED_NUMBER = re.compile(r"-?[0-9]{1,3}(?:,[0-9]{3})+")
_COUNT = re.compile(r"-?[0-9]+")
# Placeholders whose values are counts (regrouped the reader's way) and whose values are labels or messages
# (translated in turn). Every other value is data — an identifier, notes, a code, a name — shown as stored.
COUNT_PLACEHOLDERS = frozenset({"n", "count", "failed", "applied", "changed", "limit", "most", "items", "found"})
LABEL_PLACEHOLDERS = frozenset(
    {
        "status",
        "what",
        "where",
        "credit",
        "attempt",
        "kind",
        "reason",
        "decision",
        "before",
        "after",
        "message",
        "problem",
        "problems",
        "error",
        "mode",
        "scope",
        "source",
        "state",
        "action",
        "effect",
        "phase",
        "held",
        "location",
        "other",
        "earlier",
        "reference",
        "revert",
        "grade",
        "field",
        "item",
        "range",
    }
)


def _fill(template: str, values: dict[str, str]) -> str:
    """`template` with each {name} replaced by its value: no attribute or index lookups, no format specs, so
    no translation can read more of a value than the value itself."""
    out: list[str] = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, ""))
    return "".join(out)


def _count(values: dict[str, str]) -> int | None:
    """The count a plural message was built with ("{n}", grouped by thousands in English), if any."""
    raw = values.get("n", "").replace(",", "")
    return int(raw) if _COUNT.fullmatch(raw) else None


def _translate_value(name: str, value: str, depth: int) -> str:
    """A value of a matched message in the reader's language: a count grouped the locale's way ("2,000" reads
    "2.000" in Spanish), a label or a message translated in turn; data (what a learner or a file wrote) as
    it is, even when it reads like a label or a number."""
    if name in COUNT_PLACEHOLDERS:
        return format_decimal(int(value.replace(",", ""))) if _GROUPED_NUMBER.fullmatch(value) else value
    if name in LABEL_PLACEHOLDERS:
        return _translate(value, depth)
    return value


def _translate(message: str, depth: int) -> str:
    """`message` in the reader's language: as one message, or as rule messages joined by "; " (a row's
    problems, a result and its side effects), each translated; as it is when neither reads fully translated."""
    if "; " in message and 0 < len(message) <= MAX_MATCHED_LENGTH and current_locale() != SUPPORTED_LOCALES[0]:
        joined = _translate_joined(message, depth)
        if joined is not None:
            return joined
    return _translate_one(message, depth)


def _translate_joined(message: str, depth: int) -> str | None:
    """Messages joined by "; ", each translated (a template that itself holds "; " takes its pieces whole):
    the split into the fewest translated pieces from the left, or None when some piece has no translation.
    Tried before the whole message so that a placeholder never swallows the "; " between two messages."""
    parts = message.split("; ")
    if len(parts) > MAX_JOINED_PARTS:
        return None
    # best[i]: the translation of parts[:i] made of translated pieces only (None: no such split)
    best: list[str | None] = [""] + [None] * len(parts)
    for end in range(1, len(parts) + 1):
        for start in range(end - 1, -1, -1):
            if best[start] is None:
                continue
            piece = "; ".join(parts[start:end])
            shown = _translate_one(piece, depth)
            if shown != piece:
                best[end] = shown if start == 0 else f"{best[start]}; {shown}"
                break
    return best[-1]


def _translate_one(message: str, depth: int) -> str:
    translations = get_translations()
    exact = translations.gettext(message)
    if exact != message:
        return exact
    if depth >= MAX_DEPTH or len(message) > MAX_MATCHED_LENGTH or current_locale() == SUPPORTED_LOCALES[0]:
        return message
    for template in _templates(current_locale(), id(translations)):
        if not template.may_match(message) or (match := template.pattern.fullmatch(message)) is None:
            continue
        raw = match.groupdict()
        forms = template.forms
        try:
            translation = forms[0]
            if len(forms) > 1:
                count = _count(raw)
                if count is None:
                    continue
                translation = forms[min(translations.plural(count), len(forms) - 1)]
            values = {name: _translate_value(name, value, depth + 1) for name, value in raw.items()}
            return _fill(translation, values)
        except (ValueError, KeyError, IndexError):  # a malformed translation, an odd count: shown as stored
            return message
    return message


def translate_message(message: str | None) -> str:
    """A stored English message in the reader's language: an exact translation, else the translated template
    it was built from with the same values (values that are themselves translated labels or messages are
    translated too, counts grouped the locale's way; a plural message's form follows its count); a message
    with no translation is shown as it is."""
    if not message:
        return message or ""
    if not has_request_context():  # the command line and the workers speak English
        return str(message)
    return _translate(str(message), 0)


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
