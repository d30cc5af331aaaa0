"""Data-spec entity `academies` (domain §5): the name and the normalised academy fields of domain §3.

Entries go through the same normaliser as the catalog sync (slug fallbacks, default lookup key, canonical
UUID), so a spec and a catalog item with the same content give the same academy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from webapp.extensions import db
from webapp.models.academies import Academy
from webapp.services.academies import by_lookup_key, by_lower_name, compare, snapshot
from webapp.services.academy_normalise import canonical_uuid, normalise
from webapp.services.specs.base import Entity, Field, Key, Resolver


class Academies(Entity):
    key = "academies"
    fields = (
        Field("name", required=True),
        Field("slug"),
        Field("product_key"),
        Field("long_name"),
        Field("description"),
        Field("marketing_url"),
        Field("thumbnail_url"),
        Field("tags", "list"),
        Field("stripe_product_id"),
        Field("stripe_price_lookup_key"),
        Field("catalog_query_uuid"),
        Field("is_active", "bool", default=True),
        Field("display_order", "int", default=0),
    )

    def clean(self, entry: Any) -> tuple[dict[str, Any], list[str]]:
        values, errors = super().clean(entry)
        if errors:
            return values, errors
        if values.get("catalog_query_uuid") and canonical_uuid(values["catalog_query_uuid"]) is None:
            return values, [f"field 'catalog_query_uuid' must be a UUID, not {values['catalog_query_uuid']!r}"]
        if any(not isinstance(tag, str) for tag in values.get("tags") or []):
            return values, ["field 'tags' must be a list of strings"]
        normalised = normalise(values)
        if not isinstance(normalised, dict):
            return values, [normalised.message]
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
        """Field diffs; the stored name casing and (when the entry has none) catalog_query_uuid are kept."""
        return compare(existing, values)

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if not (k == "catalog_query_uuid" and v is None)}

    def batch_errors(self, entries: list[dict[str, Any]], existing: dict[Key, Any]) -> dict[int, str]:
        """A stripe_price_lookup_key used by another academy, stored or earlier in the spec, is an error."""
        owners = by_lookup_key(e["stripe_price_lookup_key"] for e in entries)
        errors: dict[int, str] = {}
        claimed: dict[str, str] = {}
        for index, entry in enumerate(entries):
            lookup_key, lower = entry["stripe_price_lookup_key"], entry["name"].lower()
            owner = owners.get(lookup_key)
            if owner is not None and owner.name.lower() != lower:
                errors[index] = f"stripe_price_lookup_key {lookup_key!r} is already used by academy {owner.name!r}"
            elif claimed.setdefault(lookup_key, lower) != lower:
                errors[index] = (
                    f"stripe_price_lookup_key {lookup_key!r} is also used by academy {claimed[lookup_key]!r}"
                )
        return errors

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        for values, academy in rows:
            if academy is None:
                db.session.add(Academy(**values))
                continue
            for field, value in compare(academy, values)[1].items():
                setattr(academy, field, value)
        resolver.forget(self.key)
