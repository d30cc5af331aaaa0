"""Academies: the list staff browse, and the catalog sync as a plan kind (domain §3).

A sync plan has one row per catalog item (create / update / unchanged / skip / error) and, with
`deactivate_missing`, one row per active academy the catalog no longer lists (deactivate). The dry run
is the plan's preview; applying is the engine's (once, stale check, savepoints, audit).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import func, insert, select
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import Plan, PlanRow, User
from webapp.models.academies import Academy
from webapp.services import permissions, plans
from webapp.services.academy_normalise import FIELDS, Rejected, canonical_uuid, item_name, normalise
from webapp.services.batching import chunks
from webapp.services.catalog import CatalogError, CatalogSource, FileCatalog, configured_source
from webapp.services.errors import ServiceError
from webapp.services.messages import N_, rule_message
from webapp.services.pagination import Page, paginate
from webapp.services.plans import Decision, Effect, Item, PlanContext, PlanKind
from webapp.services.search import contains_text, search_term
from webapp.statuses import Action, EffectKind, PlanStatus
from webapp.wording import plural

SYNC_KIND = "academy_sync"
SOURCE_CATALOG = "catalog"
SOURCE_UPLOAD = "upload"
DIFF_FIELDS = tuple(f for f in FIELDS if f != "name")
LIST_FIELDS = (
    "name",
    "slug",
    "product_key",
    "stripe_price_lookup_key",
    "catalog_query_uuid",
    "catalog_uuid",
    "is_active",
    "display_order",
)
KEPT_WHEN_MISSING = ("catalog_query_uuid", "catalog_uuid")
CELL_LIMIT = 120
SOURCE_NAME_LIMIT = 255
ONE_ACADEMY_PARAM = "academy"
NO_DEACTIVATION_NOTE = N_("A one-academy sync never deactivates other academies: the deactivate option was ignored.")
NAME_KEYS = ("name", "title", "short_name")


# ------------------------------------------------------------------------------------------ reading


def by_lower_name(names: Iterable[str]) -> dict[str, Academy]:
    """Academies by lower-cased name, read in batches."""
    found: dict[str, Academy] = {}
    for batch in chunks(sorted({n.lower() for n in names})):
        for academy in db.session.scalars(select(Academy).where(func.lower(Academy.name).in_(batch))):
            found[academy.name.lower()] = academy
    return found


def by_lookup_key(keys: Iterable[str]) -> dict[str, Academy]:
    """Academies by Stripe price lookup key, read in batches."""
    found: dict[str, Academy] = {}
    for batch in chunks(sorted(set(keys))):
        for academy in db.session.scalars(select(Academy).where(Academy.stripe_price_lookup_key.in_(batch))):
            found[academy.stripe_price_lookup_key] = academy
    return found


def by_catalog_uuid(uuids: Iterable[str]) -> dict[str, Academy]:
    """Academies by their catalog uuid, read in batches."""
    found: dict[str, Academy] = {}
    for batch in chunks(sorted(set(uuids))):
        for academy in db.session.scalars(select(Academy).where(Academy.catalog_uuid.in_(batch))):
            if academy.catalog_uuid is not None:  # the IN filter excludes NULL; the column type does not say so
                found[academy.catalog_uuid] = academy
    return found


def snapshot(academy: Academy) -> dict[str, Any]:
    return {f: getattr(academy, f) for f in DIFF_FIELDS}


def compare(academy: Academy, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) of the fields that change; a stored catalog_query_uuid / catalog_uuid is kept when
    values has none.

    The stored name casing is kept, so is a long_name that only repeats the name.
    """
    have = snapshot(academy)
    want = {f: values[f] for f in DIFF_FIELDS if not (f in KEPT_WHEN_MISSING and values.get(f) is None)}
    if values.get("long_name") == values.get("name"):
        want["long_name"] = academy.name
    changed = [f for f in want if have[f] != want[f]]
    return {f: have[f] for f in changed}, {f: want[f] for f in changed}


def academy_page(actor: User, *, q: str = "", page: int = 1, per_page: int = 50) -> Page:
    """Active and inactive academies ordered by display_order then name, optionally searched."""
    permissions.require_global_staff(actor)
    query = select(Academy).order_by(Academy.display_order, func.lower(Academy.name))
    if search_term(q):
        query = query.where(
            contains_text(q, Academy.name, Academy.slug, Academy.product_key, Academy.stripe_price_lookup_key)
        )
    return paginate(query, page, per_page)


def list_academies() -> list[dict[str, Any]]:
    """Every academy as the CLI prints it, ordered like the list page."""
    query = select(Academy).order_by(Academy.display_order, func.lower(Academy.name))
    return [{f: getattr(a, f) for f in LIST_FIELDS} for a in db.session.scalars(query)]


def sync_history(actor: User, *, page: int = 1, per_page: int = 50) -> Page:
    """Academy sync plans, newest first."""
    permissions.require_global_staff(actor)
    query = (
        select(Plan)
        .where(Plan.kind == SYNC_KIND)
        .options(joinedload(Plan.created_by))
        .order_by(Plan.created.desc(), Plan.id.desc())
    )
    return paginate(query, page, per_page)


# ------------------------------------------------------------------------------------------ plan kind


class SyncEntry(NamedTuple):
    """The typed payload of a sync row: a catalog item at its position in the catalog, or an active academy
    the catalog no longer lists (`deactivate`: its lower-cased name). Stored as `{"item", "position"}` or
    `{"deactivate", "name"}`."""

    item: Any = None  # the catalog item as read (any JSON value: a bad one is a skip row)
    position: int | None = None
    deactivate: str | None = None
    name: str = ""  # the academy to deactivate, as stored

    @property
    def is_deactivation(self) -> bool:
        return self.deactivate is not None

    def values(self) -> dict[str, Any] | Rejected:
        """The academy fields of the catalog item, or why it yields none."""
        return normalise(self.item, self.position)

    def to_data(self) -> dict[str, Any]:
        if self.deactivate is not None:
            return {"deactivate": self.deactivate, "name": self.name}
        return {"item": self.item, "position": self.position}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SyncEntry:
        if "deactivate" in data:
            lower = str(data["deactivate"])
            return cls(deactivate=lower, name=str(data.get("name", lower)))
        return cls(data.get("item"), data.get("position"))


class AcademySyncKind(PlanKind):
    """Catalog items -> academies: create, update (field diffs), unchanged, skip, error, deactivate."""

    row_nouns = (N_("academy"), N_("academies"))
    name = SYNC_KIND
    title = N_("Academy sync")
    input_columns = ("item",)
    needs_course = False
    fix_hint = N_("correct those items in the catalog (or in your file) and sync again")

    def empty_note(self, plan: Any) -> str:
        """An empty answer never deactivates anything (the safety rule), which staff should be told."""
        if plan.params.get("deactivate_missing"):
            return N_(
                "The catalog answer listed no academies, so the safety rule held: no academy is deactivated "
                "(an empty or broken answer never deactivates anything)."
            )
        return N_("The catalog answer listed no academies: there is nothing to sync.")

    def decide(self, ctx: PlanContext, items: Sequence[Item]) -> Iterator[Decision]:
        # per row: the academy fields, why the item yields none, or (a deactivation row) its payload
        normalised: list[dict[str, Any] | Rejected | SyncEntry] = []
        payload_names: set[str] = set()
        for item in items:
            entry = SyncEntry.from_data(item.data)
            if entry.is_deactivation:
                normalised.append(entry)
                continue
            normalised.append(entry.values())
            if name := item_name(entry.item):
                payload_names.add(name.lower())
        valid = {index: v for index, v in enumerate(normalised) if isinstance(v, dict)}
        existing = by_lower_name(
            {v["name"] for v in valid.values()} | {v.name for v in normalised if isinstance(v, SyncEntry)}
        )
        owners = by_lookup_key(v["stripe_price_lookup_key"] for v in valid.values())
        uuid_owners = by_catalog_uuid(v["catalog_uuid"] for v in valid.values() if v["catalog_uuid"])
        last_row = {v["name"].lower(): items[index].row for index, v in valid.items()}
        claimed: dict[str, int] = {}
        claimed_uuids: dict[str, int] = {}
        for item, values in zip(items, normalised, strict=True):
            if isinstance(values, SyncEntry):
                yield self._deactivation(values, existing, payload_names)
            elif isinstance(values, Rejected):
                yield Decision(
                    Action(values.action),
                    key=values.name.lower(),
                    label=values.name,
                    code=values.code,
                    message=values.message,
                )
            else:
                yield self._catalog_row(
                    item, values, existing, (owners, uuid_owners), last_row, (claimed, claimed_uuids)
                )

    @staticmethod
    def _catalog_row(
        item: Item,
        values: dict[str, Any],
        existing: dict[str, Academy],
        owners_of: tuple[dict[str, Academy], dict[str, Academy]],
        last_row: dict[str, int],
        claimed_by: tuple[dict[str, int], dict[str, int]],
    ) -> Decision:
        """One catalog item against the stored academies: duplicates in the payload, unique keys, the diff."""
        owners, uuid_owners = owners_of
        claimed, claimed_uuids = claimed_by
        lower = values["name"].lower()
        current = existing.get(lower)
        label = current.name if current else values["name"]
        if last_row[lower] != item.row:
            return Decision(
                Action.SKIP,
                key=f"{lower}#{item.row}",
                label=label,
                code="duplicate_row",
                message=rule_message(
                    "the same academy (name compared case-insensitively) appears again in row {row}, "
                    "which supersedes this one",
                    row=last_row[lower],
                ),
            )
        lookup_key = values["stripe_price_lookup_key"]
        owner = owners.get(lookup_key)
        if owner is not None and owner is not current:
            return Decision(
                Action.ERROR,
                key=lower,
                label=label,
                code="duplicate_lookup_key",
                message=rule_message(
                    "stripe_price_lookup_key {key} is already used by academy {academy}",
                    key=repr(lookup_key),
                    academy=repr(owner.name),
                ),
            )
        if lookup_key in claimed:
            return Decision(
                Action.ERROR,
                key=lower,
                label=label,
                code="duplicate_lookup_key",
                message=rule_message(
                    "stripe_price_lookup_key {key} is also used by row {row}",
                    key=repr(lookup_key),
                    row=claimed[lookup_key],
                ),
            )
        catalog_uuid = values["catalog_uuid"]
        uuid_owner = uuid_owners.get(catalog_uuid) if catalog_uuid else None
        if uuid_owner is not None and uuid_owner is not current:
            return Decision(
                Action.ERROR,
                key=lower,
                label=label,
                code="duplicate_catalog_uuid",
                message=rule_message(
                    "catalog uuid {uuid} is already the uuid of academy {academy}",
                    uuid=catalog_uuid,
                    academy=repr(uuid_owner.name),
                ),
            )
        if catalog_uuid and catalog_uuid in claimed_uuids:
            return Decision(
                Action.ERROR,
                key=lower,
                label=label,
                code="duplicate_catalog_uuid",
                message=rule_message(
                    "catalog uuid {uuid} is also used by row {row}", uuid=catalog_uuid, row=claimed_uuids[catalog_uuid]
                ),
            )
        claimed[lookup_key] = item.row
        if catalog_uuid:
            claimed_uuids[catalog_uuid] = item.row
        if current is None:
            return Decision(
                Action.CREATE,
                key=lower,
                label=label,
                message=rule_message("new academy"),
                after={f: values[f] for f in DIFF_FIELDS if values[f] not in ("", [], None)},
            )
        before, after = compare(current, values)
        if not after:
            return Decision(Action.UNCHANGED, key=lower, label=label, message=rule_message("already up to date"))
        return Decision(
            Action.UPDATE,
            key=lower,
            label=label,
            message=rule_message("changes {fields}", fields=", ".join(after)),
            before=before,
            after=after,
        )

    @staticmethod
    def _deactivation(entry: SyncEntry, existing: dict[str, Academy], payload_names: set[str]) -> Decision:
        lower = entry.deactivate or ""
        current = existing.get(lower)
        label = current.name if current else entry.name
        if not payload_names:  # an empty or broken catalog answer never deactivates anything
            return Decision(
                Action.SKIP,
                key=lower,
                label=label,
                code="empty_catalog",
                message=rule_message("the catalog yielded no academies, so none is deactivated"),
            )
        if current is None:
            return Decision(
                Action.SKIP, key=lower, label=label, code="gone", message=rule_message("this academy no longer exists")
            )
        if not current.is_active:
            return Decision(Action.UNCHANGED, key=lower, label=label, message=rule_message("already inactive"))
        return Decision(
            Action.DEACTIVATE,
            key=lower,
            label=label,
            code="missing_from_catalog",
            message=rule_message("active, but no longer in the catalog"),
            before={"is_active": True},
            after={"is_active": False},
            effects=[
                Effect(
                    EffectKind.ACADEMY_DEACTIVATED,
                    rule_message("academy {academy} is taken off the catalog", academy=label),
                )
            ],
        )

    def apply(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
        existing = by_lower_name(row.key for row in rows if row.action != Action.CREATE)
        creates: list[dict[str, Any]] = []
        for row in rows:
            current = existing.get(row.key)
            if row.action == Action.CREATE:
                values = SyncEntry.from_data(row.data).values()
                if not isinstance(values, dict):  # the stored item no longer normalises: refuse this row only
                    raise ServiceError(f"row {row.row_number}: {values.message}")
                creates.append(values)
            elif current is None:
                raise ServiceError(f"row {row.row_number}: academy {row.label!r} no longer exists")
            elif row.action == Action.DEACTIVATE:
                current.is_active = False
            elif row.action == Action.UPDATE:
                values = SyncEntry.from_data(row.data).values()
                if not isinstance(values, dict):
                    raise ServiceError(f"row {row.row_number}: {values.message}")
                for field, value in compare(current, values)[1].items():
                    setattr(current, field, value)
        if creates:  # one multi-row INSERT per batch (the engine replays a failing batch row by row)
            db.session.execute(insert(Academy), creates)


# ------------------------------------------------------------------------------------------ service


def _cell(raw: Any) -> str:
    """What staff read in "As written": the name field as the catalog wrote it, else the item's start."""
    if isinstance(raw, dict):
        for key in NAME_KEYS:
            if item_name({key: raw.get(key)}):
                return _short(f"{key}: {raw[key] if isinstance(raw[key], str) else json.dumps(raw[key])}")
    return _short(json.dumps(raw, ensure_ascii=False))


def _short(text: str, limit: int = CELL_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class AcademyNotInCatalog(CatalogError):
    """A one-academy sync names a uuid or name the catalog does not list: nothing was planned."""

    status = 400


def select_academy(raw_items: Sequence[Any], selector: str, where: str) -> list[tuple[int, Any]]:
    """The (position, item) pairs of the catalog items that are the academy `selector` names.

    A UUID matches the item's own `uuid`; anything else matches its name, case-insensitively.
    """
    wanted = (selector or "").strip()
    if not wanted:
        raise AcademyNotInCatalog(N_("Name the academy to sync: its catalog uuid or its name."))
    as_uuid = canonical_uuid(wanted)
    found = [
        (position, raw)
        for position, raw in enumerate(raw_items, start=1)
        if isinstance(raw, dict)
        and (
            (as_uuid is not None and canonical_uuid(raw.get("uuid")) == as_uuid)
            or (item_name(raw) or "").lower() == wanted.lower()
        )
    ]
    if not found:
        raise AcademyNotInCatalog(
            N_("{where} lists no academy with the uuid or name {wanted} ({items} read). Nothing was planned."),
            where=where,
            wanted=repr(wanted),
            items=plural(len(raw_items), "{n} item", "{n} items"),
        )
    return found


def sync_items(
    raw_items: Sequence[Any], *, deactivate_missing: bool, academy: str | None = None, where: str = N_("The catalog")
) -> list[Item]:
    """One item per catalog entry, plus one per active academy the catalog no longer lists.

    Each item keeps its position in the catalog (the slug fallback uses it). With `academy`, only the items
    that academy names are planned and nothing is ever deactivated. Deactivation rows are added only when the
    payload yields at least one academy (an item with a name), so an empty or broken catalog answer can never
    deactivate the table.
    """
    if academy is not None:
        positioned = select_academy(raw_items, academy, where)
        deactivate_missing = False
    else:
        positioned = list(enumerate(raw_items, start=1))
    items = [
        Item.of(row, [_cell(raw)], SyncEntry(raw, position)) for row, (position, raw) in enumerate(positioned, start=1)
    ]
    seen = {name.lower() for raw in raw_items if (name := item_name(raw))}
    if deactivate_missing and seen:
        active = db.session.scalars(
            select(Academy).where(Academy.is_active.is_(True)).order_by(Academy.display_order, func.lower(Academy.name))
        )
        for current in active:
            if current.name.lower() not in seen:
                entry = SyncEntry(deactivate=current.name.lower(), name=current.name)
                items.append(Item.of(len(items) + 1, [current.name], entry))
    return items


def plan_sync(
    source: CatalogSource, *, actor: User | None, deactivate_missing: bool = False, academy: str | None = None
) -> Plan:
    """Fetch the catalog and plan the sync (the dry run: nothing is written but the plan).

    With `academy` (a catalog uuid or a name) only that academy is planned; `deactivate_missing` never applies.
    """
    if actor is not None:
        permissions.require_global_staff(actor)
    raw_items = source.fetch()
    items = sync_items(
        raw_items, deactivate_missing=deactivate_missing, academy=academy, where=_capitalised(source.name)
    )
    params: dict[str, Any] = {"deactivate_missing": bool(deactivate_missing) and academy is None}
    source_name = source.name
    if academy is not None:
        params[ONE_ACADEMY_PARAM] = academy.strip()
        source_name = _short(
            rule_message("{source}, only the academy {academy}", source=source.name, academy=academy.strip()),
            SOURCE_NAME_LIMIT,
        )
    return plans.create_plan(SYNC_KIND, items, actor=actor, source_name=source_name, params=params)


def _capitalised(name: str) -> str:
    return name[:1].upper() + name[1:]


def sync(
    source: CatalogSource,
    *,
    actor: User | None,
    deactivate_missing: bool = False,
    dry_run: bool = False,
    academy: str | None = None,
) -> Plan:
    """Plan the sync and, unless dry_run, apply it at once (the command line).

    Returns the plan: previewed (dry run), applied, or stale (it names its fresh preview).
    """
    plan = plan_sync(source, actor=actor, deactivate_missing=deactivate_missing, academy=academy)
    if dry_run or plan.status != PlanStatus.PREVIEWED:
        return plan
    return plans.apply_plan(plan.id, actor).plan


def plan_sync_from(
    choice: str,
    *,
    actor: User,
    config: dict[str, Any],
    upload_name: str = "",
    upload_data: bytes | None = None,
    deactivate_missing: bool = False,
    academy: str = "",
) -> Plan:
    """The sync form: the configured catalog, or an uploaded JSON file; all academies, or the one named.

    Refusals raise CatalogError.
    """
    permissions.require_global_staff(actor)
    if choice == SOURCE_UPLOAD:
        if not upload_name or upload_data is None:
            raise CatalogError(N_("Choose a JSON file to upload, or sync from the configured catalog."))
        source: CatalogSource = FileCatalog.from_upload(upload_name, upload_data)
    else:
        source = configured_source(config)
    one = (academy or "").strip() or None
    return plan_sync(source, actor=actor, deactivate_missing=deactivate_missing, academy=one)


def describe_configured_source(config: dict[str, Any]) -> str:
    """What "the configured catalog" means right now, for the sync form."""
    url = (config.get("CATALOG_ACADEMIES_URL") or "").strip()
    if url:
        return rule_message("the catalog API at {url}", url=url)
    demo_file = Path(str(config.get("CATALOG_DEMO_FILE") or "")).name  # the name only: no server paths on pages
    return rule_message("the demo catalog file {file} (no CATALOG_ACADEMIES_URL is set)", file=demo_file)
