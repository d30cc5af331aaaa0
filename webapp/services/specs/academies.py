"""Data-spec entity `academies` (domain §5): the name and the normalised academy fields of domain §3.

Entries go through the same normaliser as the catalog sync (slug fallbacks, default lookup key, canonical
UUID), so a spec and a catalog item with the same content give the same academy. The catalog's own fields
(`uuid`, also spelled `catalog_uuid`, and `long_description`) are kept as stored when an entry leaves them
out, so a spec written before they existed does not blank what a catalog sync stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from webapp.extensions import db
from webapp.models.academies import Academy
from webapp.services.academies import by_catalog_uuid, by_lookup_key, by_lower_name, compare, snapshot
from webapp.services.academy_normalise import canonical_uuid, normalise
from webapp.services.specs.base import Entity, Field, Key, Resolver

UUID_FIELDS = ("catalog_query_uuid", "uuid", "catalog_uuid")
KEPT_WHEN_LEFT_OUT = "long_description"  # None in the cleaned values: the entry does not give it


class Academies(Entity):
    key = "academies"
    fields = (
        Field("name", required=True),
        Field("slug"),
        Field("product_key"),
        Field("long_name"),
        Field("description"),
        Field("long_description"),
        Field("marketing_url"),
        Field("thumbnail_url"),
        Field("tags", "list"),
        Field("stripe_product_id"),
        Field("stripe_price_lookup_key"),
        Field("catalog_query_uuid"),
        Field("uuid"),  # the catalog's own uuid (stored as catalog_uuid)
        Field("catalog_uuid"),  # the same, as `flask academies list` names it
        Field("is_active", "bool", default=True),
        Field("display_order", "int", default=0),
    )

    def clean(self, entry: Any) -> tuple[dict[str, Any], list[str]]:
        values, errors = super().clean(entry)
        if errors:
            return values, errors
        for name in UUID_FIELDS:
            if values.get(name) and canonical_uuid(values[name]) is None:
                return values, [f"field {name!r} must be a UUID, not {values[name]!r}"]
        given = {canonical_uuid(values[name]) for name in ("uuid", "catalog_uuid") if values.get(name)}
        if len(given) > 1:
            return values, ["fields 'uuid' and 'catalog_uuid' name the same uuid: give one, or the same value"]
        if any(not isinstance(tag, str) for tag in values.get("tags") or []):
            return values, ["field 'tags' must be a list of strings"]
        item = {k: v for k, v in values.items() if k != "catalog_uuid"}
        if values.get("catalog_uuid"):
            item["uuid"] = values["catalog_uuid"]
        normalised = normalise(item)
        if not isinstance(normalised, dict):
            return values, [normalised.message]
        if KEPT_WHEN_LEFT_OUT not in values:  # left out (or null): the stored one is kept
            normalised[KEPT_WHEN_LEFT_OUT] = None
        return normalised, []

    def natural_key(self, values: dict[str, Any]) -> Key:
        return (values["name"].lower(),)

    def describe(self, values: dict[str, Any]) -> str:
        return values["name"]

    def load(self, keys: Sequence[Key]) -> dict[Key, Any]:
        return {(lower,): academy for lower, academy in by_lower_name(k[0] for k in keys).items()}

    def snapshot(self, row: Academy) -> dict[str, Any]:
        return {"name": row.name, **snapshot(row)}

    def diff(self, existing: Any, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Field diffs; the stored name casing and (when the entry has none) the uuids and long_description
        are kept."""
        return compare(existing, _filled(values, existing))

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if not (k == "catalog_query_uuid" and v is None)}

    def batch_errors(self, entries: list[dict[str, Any]], existing: dict[Key, Any]) -> dict[int, str]:
        """A stripe_price_lookup_key or catalog uuid used by another academy, stored or earlier in the spec,
        is an error."""
        errors: dict[int, str] = {}
        for field, shown, owners in (
            ("stripe_price_lookup_key", "stripe_price_lookup_key", by_lookup_key),
            ("catalog_uuid", "catalog uuid", by_catalog_uuid),
        ):
            found = owners(e[field] for e in entries if e[field])
            claimed: dict[str, str] = {}
            for index, entry in enumerate(entries):
                value, lower = entry[field], entry["name"].lower()
                if not value or index in errors:
                    continue
                owner = found.get(value)
                if owner is not None and owner.name.lower() != lower:
                    errors[index] = f"{shown} {value!r} is already used by academy {owner.name!r}"
                elif claimed.setdefault(value, lower) != lower:
                    errors[index] = f"{shown} {value!r} is also used by academy {claimed[value]!r}"
        return errors

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        for values, academy in rows:
            if academy is None:
                db.session.add(Academy(**_filled(values, None)))
                continue
            for field, value in compare(academy, _filled(values, academy))[1].items():
                setattr(academy, field, value)
        resolver.forget(self.key)


def _filled(values: dict[str, Any], academy: Academy | None) -> dict[str, Any]:
    """The values with a left-out long_description taken from the stored academy ("" for a new one)."""
    if values.get(KEPT_WHEN_LEFT_OUT) is not None:
        return values
    return {**values, KEPT_WHEN_LEFT_OUT: academy.long_description if academy is not None else ""}
