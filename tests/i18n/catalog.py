"""What the translation tests compare: the strings marked in the code (extracted as `make i18n-extract`
does) and the Spanish catalog, and the visible text of a page rendered in two languages."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "webapp" / "translations"
# The same method map as babel.cfg and the same extra keywords as the Makefile's BABEL_KEYWORDS.
METHOD_MAP = [("webapp/**.py", "python"), ("webapp/templates/**.html", "jinja2")]
KEYWORDS = DEFAULT_KEYWORDS | {
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "rule_message": None,
    "N_": None,
    "plural": (2, 3),
    "lazy_pgettext": ((1, "c"), 2),
}
# Directories the extraction skips, as the Makefile's BABEL_IGNORE (templates/_macros is read).
IGNORED_DIRECTORIES = (".", "node_modules", "mutants")


def _directory_filter(path: str) -> bool:
    name = Path(path).name
    return not (name.startswith(".") or name in IGNORED_DIRECTORIES)


def marked_messages() -> set[tuple[str, str | None]]:
    """Every (msgid, context) marked in the code and templates now (plural forms by their singular)."""
    found: set[tuple[str, str | None]] = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map=METHOD_MAP, keywords=KEYWORDS, directory_filter=_directory_filter
    ):
        found.add((message[0] if isinstance(message, tuple) else message, context))
    return found


def catalog(locale: str) -> Catalog:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


# Visible text that is the same in every language: numbers, codes, punctuation, proper names of the app
# (a course or block key shown breakable, "course-v1:" on its own, is a code too).
SAME_IN_EVERY_LANGUAGE = re.compile(
    r"^[\W\d_]*$|^(Staff Console|SC|English|español|CSV|JSON|UTC|ID|OK)$|^(course|block)-v1:\S*$"
)
# A segment is English prose when it holds one of these words: a Spanish page must not show any.
ENGLISH_WORDS = re.compile(
    r"\b(the|and|of|to|is|are|for|with|this|that|not|yes|from|by|on|in|be|will|was|has|have|what|who|"
    r"all|none|any|each|every|your|you|row|rows|course|courses|learner|learners|plans|apply|preview|"
    r"download|upload|search|status|certificate|certificates|exception|exceptions|review|reviews|back|"
    r"next|previous|log|out|save|cancel|change|changes|errors|never|last|first|page)\b",
    re.IGNORECASE,
)


def visible_text(soup: BeautifulSoup) -> list[str]:
    """The text a reader sees (and a screen reader hears: labels, alt, aria-label, placeholders, titles)."""
    for hidden in soup(["script", "style", "template"]):
        hidden.decompose()
    texts = [" ".join(s.split()) for s in soup.stripped_strings]
    for element in soup.find_all(True):
        for attribute in ("aria-label", "alt", "placeholder", "title"):
            if element.get(attribute):
                texts.append(" ".join(str(element[attribute]).split()))
        if element.name == "input" and element.get("type") in ("submit", "button") and element.get("value"):
            texts.append(" ".join(str(element["value"]).split()))
    return [t for t in texts if t]


def untranslated(spanish: BeautifulSoup, data: set[str]) -> list[str]:
    """The English prose left on a page rendered in Spanish; `data` is what the page shows of the database
    (names, usernames, notes): it is shown as it was entered, in any language."""
    found = []
    for text in visible_text(spanish):
        if SAME_IN_EVERY_LANGUAGE.match(text) or text in data:
            continue
        remainder = text
        for value in sorted(data, key=len, reverse=True):
            # whole words only: a username "al" must not hide the English word "all"
            remainder = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", remainder)
        if ENGLISH_WORDS.search(remainder):
            found.append(text)
    return found
