"""Normalising one catalog item into academy fields (domain §3), shared by the sync and the data spec.

Strings are stripped, a `{"rendered": "..."}` object counts as its string, empty strings count as missing; a
number where text is expected counts as its string (a boolean does not: `true` is not a name). Both the legacy
field names and the enterprise catalog's own (`uuid`, `title`, `short_description`, `long_description`,
`image`, tag objects) are read. `normalise()` returns the fields, or a `Rejected` with the reason.
"""

from __future__ import annotations

import math
import re
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any

from webapp.services.messages import rule_message

FIELDS = (
    "name",
    "slug",
    "product_key",
    "long_name",
    "description",
    "long_description",
    "marketing_url",
    "thumbnail_url",
    "tags",
    "stripe_product_id",
    "stripe_price_lookup_key",
    "catalog_query_uuid",
    "catalog_uuid",
    "is_active",
    "display_order",
)
SLUG_PREFIX = "academy-"
PRODUCT_KEY_PREFIX = "academy-product-"
LOOKUP_KEY_TEMPLATE = "essentials_{token}_academy_yearly"
UUID_KEYS = ("catalog_query_uuid", "catalog_query_id")
QUERY_OBJECT_KEYS = ("catalog_query_uuid", "catalog_query_id", "id", "uuid")
MAX_LENGTHS = {
    "name": 255,
    "slug": 255,
    "product_key": 255,
    "long_name": 500,
    "marketing_url": 1000,
    "thumbnail_url": 1000,
    "stripe_product_id": 255,
    "stripe_price_lookup_key": 255,
}
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


@dataclass(frozen=True)
class Rejected:
    """An item that yields no academy: `skip` (no name) or `error` (a field is unusable)."""

    action: str  # "skip" | "error"
    code: str
    message: str
    name: str = ""


def text(value: Any) -> str | None:
    """A stripped string, the string of a {"rendered": ...} object or of a finite number, or None.

    None means missing: absent, empty, a boolean, a list or object, NaN or infinity.
    """
    if isinstance(value, dict) and "rendered" in value:
        value = value["rendered"]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _string(value: Any) -> str | None:
    """Like `text`, but only strings count (identifiers: a number is a legacy id, never a UUID)."""
    if isinstance(value, dict) and "rendered" in value:
        value = value["rendered"]
    return text(value) if isinstance(value, str) else None


def first_text(source: dict[str, Any], *keys: str) -> str | None:
    """The first of `keys` whose value is text (see `text`)."""
    for key in keys:
        value = text(source.get(key))
        if value is not None:
            return value
    return None


def slugify(value: str | None) -> str:
    """ASCII slug: accents folded, lower case, runs of anything but letters, digits, _ and - become '-'."""
    if not value:
        return ""
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9_]+", "-", folded).strip("-_")


def lookup_key_token(name: str) -> str:
    """name lowercased, '&' -> ' and ', runs of non-alphanumerics -> '_', trimmed of '_'."""
    lowered = name.lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "_", lowered).strip("_")


def default_lookup_key(name: str) -> str:
    return LOOKUP_KEY_TEMPLATE.format(token=lookup_key_token(name))


def canonical_uuid(value: Any) -> str | None:
    """A canonical (lower-case, hyphenated) UUID, or None. Booleans and integers (legacy ids) are not UUIDs."""
    candidate = _string(value)
    if candidate is None:
        return None
    try:
        return str(uuid.UUID(candidate))
    except ValueError:
        return None


def _uuid_from_query(query: Any) -> str | None:
    if isinstance(query, dict) and "rendered" not in query:
        for key in QUERY_OBJECT_KEYS:
            found = canonical_uuid(query.get(key))
            if found:
                return found
        return None
    return canonical_uuid(query)


def _metadata(item: dict[str, Any]) -> dict[str, Any]:
    """The item's `metadata` object, or an empty one."""
    metadata = item.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def catalog_query_uuid(item: dict[str, Any]) -> str | None:
    """The first valid UUID among the item's, then metadata's ids, then `catalog_queries` (list or object)."""
    metadata = _metadata(item)
    for source in (item, metadata):
        for key in UUID_KEYS:
            found = canonical_uuid(source.get(key))
            if found:
                return found
    queries = item.get("catalog_queries")
    if isinstance(queries, list):
        for query in queries:
            found = _uuid_from_query(query)
            if found:
                return found
        return None
    if isinstance(queries, dict):
        return _uuid_from_query(queries)
    return None


def _slug_with_fallback(candidate: str, name: str, prefix: str, unique: str) -> str:
    """The slug of the candidate; if empty, prefix + slug of the name, else prefix + `unique` (the item's uuid
    or position, so two such items never share a slug), else the bare prefix."""
    return slugify(candidate) or f"{prefix}{slugify(name) or slugify(unique)}"


def _is_active(value: Any) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(rule_message("is_active must be true or false, not {value}", value=repr(value)))


DISPLAY_ORDER_MIN, DISPLAY_ORDER_MAX = -(2**31), 2**31 - 1


def _display_order(value: Any) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        if not DISPLAY_ORDER_MIN <= value <= DISPLAY_ORDER_MAX:  # the column is a 32-bit INTEGER
            raise ValueError(
                rule_message(
                    "display_order must be between {low} and {high}, not {value}",
                    low=DISPLAY_ORDER_MIN,
                    high=DISPLAY_ORDER_MAX,
                    value=value,
                )
            )
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,9}", value.strip()):
        return int(value.strip())
    raise ValueError(rule_message("display_order must be an integer, not {value}", value=repr(value)))


def _tags(value: Any) -> list[str]:
    """Tags as strings (or numbers), or objects with a `title` (the catalog's): stored as their titles."""
    if not isinstance(value, list):
        return []
    tags = [text(tag.get("title")) if isinstance(tag, dict) and "rendered" not in tag else text(tag) for tag in value]
    return [tag for tag in tags if tag]


def _image_url(item: dict[str, Any]) -> str | None:
    """The catalog's `image`: a URL string, or an object with a `url`."""
    image = item.get("image")
    if isinstance(image, dict) and "rendered" not in image:
        return text(image.get("url"))
    return text(image)


def item_name(item: Any) -> str | None:
    """The name an item would get (first of name, title, short_name), or None."""
    return first_text(item, "name", "title", "short_name") if isinstance(item, dict) else None


def normalise(item: Any, position: int | None = None) -> dict[str, Any] | Rejected:
    """The academy fields of one catalog item (domain §3), or why it yields none.

    `catalog_query_uuid` and `catalog_uuid` are None when the item has no valid UUID: the caller keeps the
    stored one. `position` (the item's place in the catalog) keeps a fallback slug unique when it has no uuid.
    """
    if not isinstance(item, dict):
        return Rejected(
            "skip", "not_an_object", rule_message("the item is a {type}, not an object", type=type(item).__name__)
        )
    name = item_name(item)
    if name is None:
        return Rejected("skip", "no_name", rule_message("the item has no name, title or short_name"))
    metadata = _metadata(item)
    try:
        is_active = _is_active(item.get("is_active"))
        display_order = _display_order(item.get("display_order"))
    except ValueError as error:
        return Rejected("error", "invalid_field", str(error), name)
    catalog_uuid = canonical_uuid(item.get("uuid"))
    unique = catalog_uuid or (str(position) if position is not None else "")
    values: dict[str, Any] = {
        "name": name,
        "slug": _slug_with_fallback(first_text(item, "slug", "product_key") or name, name, SLUG_PREFIX, unique),
        "product_key": _slug_with_fallback(
            first_text(item, "product_key", "slug") or name, name, PRODUCT_KEY_PREFIX, unique
        ),
        "long_name": first_text(item, "long_name", "title") or name,
        "description": first_text(item, "description", "summary", "short_description") or "",
        "long_description": first_text(item, "long_description") or "",
        "marketing_url": first_text(item, "marketing_url", "url") or "",
        "thumbnail_url": first_text(item, "thumbnail_url", "image_url") or _image_url(item) or "",
        "tags": _tags(item.get("tags")),
        "stripe_product_id": first_text(item, "stripe_product_id") or first_text(metadata, "stripe_product_id") or "",
        "stripe_price_lookup_key": (
            first_text(item, "stripe_price_lookup_key")
            or first_text(metadata, "stripe_price_lookup_key")
            or default_lookup_key(name)
        ),
        "catalog_query_uuid": catalog_query_uuid(item),
        "catalog_uuid": catalog_uuid,
        "is_active": is_active,
        "display_order": display_order,
    }
    too_long = [
        rule_message("{field} is longer than {limit} characters", field=field, limit=limit)
        for field, limit in MAX_LENGTHS.items()
        if len(values[field]) > limit
    ]
    if too_long:
        return Rejected("error", "invalid_field", "; ".join(too_long), name[:255])
    return values
