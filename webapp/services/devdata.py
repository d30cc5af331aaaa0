"""Dev and demo data from YAML data specs (domain §5), loaded through the plan engine.

A load is a plan of kind `data_spec`: one row per entry of every entity of every file, matched by natural
key and decided create / update / unchanged / error. It is atomic (any error row refuses the apply) and
idempotent (a second load of the same spec is all unchanged). With `only_missing` (the demo data of
`make run`), rows that exist are left as they are (skipped), so staff's changes survive a restart.

A file a top-level spec lists twice is loaded once; its second mention is a skipped row "already loaded".
Clear-text passwords never reach a plan row: `spec_items` replaces them with their werkzeug hash.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.models import Plan, PlanRow, User
from webapp.services import jsonio, plans
from webapp.services.batching import chunks
from webapp.services.errors import InputRefused
from webapp.services.messages import N_, rule_message
from webapp.services.plans import Decision, Item, PlanContext, PlanKind
from webapp.services.specs import supported_entities
from webapp.services.specs.base import Entity, Key, Resolver, jsonable
from webapp.services.specs.core import REDACTED
from webapp.statuses import Action, PlanStatus

TOP_LEVEL_KEYS = {"data_spec_path", "ida_name"}
ALREADY_LOADED = "(already loaded)"  # the entity of the row that reports a file listed twice


class SpecRefused(InputRefused):
    """The spec cannot be read at all (missing file, YAML syntax, wrong shape)."""


@dataclass(frozen=True)
class SpecFile:
    name: str  # as shown to staff: relative to the top-level file
    data: dict[str, Any]
    already_loaded: str = ""  # a second mention: where the file was first listed (and loaded)


@dataclass(frozen=True, slots=True)
class SpecEntry:
    """The typed payload of a data-spec row: one entry of an entity list of a file, where it was written.

    Stored as `{"file", "entity", "index", "entry"}`, plus `not_a_list` (the entity's value is not a list) or
    `first` (a file listed twice: where it was first listed) when set.
    """

    file: str
    entity: str  # the spec key, or ALREADY_LOADED
    index: int = 0  # 1-based place in the entity's list; 0 for a row about the whole key or file
    entry: Any = None  # the entry as written (jsonable; passwords already hashed)
    not_a_list: bool = False
    first: str = ""

    @property
    def where(self) -> str:
        """Where staff find the entry: `file › entity entry N`."""
        if self.index:
            return rule_message("{file} › {entity} entry {index}", file=self.file, entity=self.entity, index=self.index)
        return rule_message("{file} › {entity}", file=self.file, entity=self.entity)

    def problems(self, problems: list[str]) -> str:
        """The entry's problems after where it is: "file › users entry 2: problem; other problem" (one template
        per shape, so a page reads each problem in its language)."""
        joined = problems[-1]
        for problem in reversed(problems[:-1]):
            joined = rule_message("{problem}; {more}", problem=problem, more=joined)
        if self.index:
            return rule_message(
                "{file} › {entity} entry {index}: {problems}",
                file=self.file,
                entity=self.entity,
                index=self.index,
                problems=joined,
            )
        return rule_message("{file} › {entity}: {problems}", file=self.file, entity=self.entity, problems=joined)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"file": self.file, "entity": self.entity, "index": self.index, "entry": self.entry}
        if self.not_a_list:
            data["not_a_list"] = True
        if self.first:
            data["first"] = self.first
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SpecEntry:
        return cls(
            str(data.get("file", "")),
            str(data.get("entity", "")),
            int(data.get("index") or 0),
            data.get("entry"),
            bool(data.get("not_a_list")),
            str(data.get("first") or ""),
        )


def _entry(row: plans.Row) -> SpecEntry:
    return SpecEntry.from_data(row.data)


MAX_SPEC_BYTES = 64 * 1024 * 1024
MAX_NESTING = 32  # a data spec needs about 5 levels


def _read_yaml(path: Path, shown: str) -> Any:
    """Parse one YAML file as PyYAML's safe_load reads it (YAML 1.1), bounding aliases, depth and size."""
    try:
        if path.stat().st_size > MAX_SPEC_BYTES:
            raise SpecRefused(
                f"{shown}: larger than {MAX_SPEC_BYTES // (1024 * 1024)} MB; split it into several "
                "files listed in a top-level spec."
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecRefused(f"{shown}: no such file.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SpecRefused(f"{shown}: cannot be read as UTF-8 text ({error}).") from None
    from webapp.services.specs import yamlread  # PyYAML: imported when a spec is read, not by every command

    try:
        data = yamlread.load(text, max_depth=MAX_NESTING)
        jsonio.check_storable(data)
    except yamlread.YamlRefused as error:
        raise SpecRefused(f"{shown}: not valid YAML ({error}).") from None
    except jsonio.NotStorable as error:
        raise SpecRefused(f"{shown}: cannot be stored: {error}.") from None
    return data


def read_spec(path: str | Path) -> list[SpecFile]:
    """The spec files to load, in order: the file itself, or every file a top-level list names."""
    top = Path(path)
    data = _read_yaml(top, top.name)
    if isinstance(data, dict):
        return [SpecFile(top.name, data)]
    if not isinstance(data, list):
        raise SpecRefused(
            f"{top.name}: a data spec is a mapping of entity lists, or a top-level list of "
            "{data_spec_path: PATH} entries."
        )
    files = []
    first_listed: dict[Path, int] = {}
    for index, entry in enumerate(data, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("data_spec_path"), str):
            raise SpecRefused(f"{top.name} entry {index}: expected {{data_spec_path: PATH}}.")
        unknown = set(entry) - TOP_LEVEL_KEYS
        if unknown:
            raise SpecRefused(
                f"{top.name} entry {index}: unknown key(s) {', '.join(sorted(unknown))} "
                "(known: data_spec_path, ida_name)."
            )
        shown = entry["data_spec_path"]
        resolved = (top.parent / shown).resolve()
        if resolved in first_listed:
            files.append(SpecFile(shown, {}, already_loaded=f"{top.name} entry {first_listed[resolved]}"))
            continue
        first_listed[resolved] = index
        nested = _read_yaml(top.parent / shown, shown)
        if not isinstance(nested, dict):
            raise SpecRefused(f"{shown}: a listed data spec must be a mapping of entity lists.")
        files.append(SpecFile(shown, nested))
    return files


def spec_items(files: Sequence[SpecFile]) -> list[Item]:
    """One item per entry, files in order and entities in load order; unknown keys become error items.

    Passwords are hashed here, before any plan row exists (see `_hash_passwords`).
    """
    entities = supported_entities()
    items: list[Item] = []
    row = itertools.count(1)
    for spec in files:
        if spec.already_loaded:
            entry = SpecEntry(spec.name, ALREADY_LOADED, first=spec.already_loaded)
            items.append(Item.of(next(row), [spec.name, "", ""], entry))
            continue
        for key in spec.data:
            if key not in entities:
                items.append(Item.of(next(row), [spec.name, str(key), ""], SpecEntry(spec.name, str(key))))
        for key in entities:
            if key not in spec.data:
                continue
            entries = spec.data[key]
            if key == "users":
                entries = _hash_passwords(entries) if isinstance(entries, list) else _redact(entries)
            if not isinstance(entries, list):
                entry = SpecEntry(spec.name, key, entry=jsonable(entries), not_a_list=True)
                items.append(Item.of(next(row), [spec.name, key, ""], entry))
                continue
            for index, raw in enumerate(entries, start=1):
                entry = SpecEntry(spec.name, key, index, jsonable(raw))
                items.append(Item.of(next(row), [spec.name, key, str(index)], entry))
    return items


def _hash_passwords(entries: list[Any]) -> list[Any]:
    """The users' entries with `password` replaced by `password_hash` (werkzeug, as users are stored).

    A password that is already the user's is replaced by the stored hash, so reloading is unchanged; a
    password that is not text is replaced by a redaction marker (the entry is then an error).
    """
    clear: dict[int, str] = {}
    out = list(entries)
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            out[index] = _redact(entry)
            continue
        if entry.get("password") is None:
            continue
        entry = dict(entry)
        value = entry.pop("password")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            entry["password"] = {REDACTED: type(value).__name__}
        elif str(value).strip():
            clear[index] = str(value).strip()
        out[index] = entry
    usernames = {
        str(entries[i].get("username", "")).strip().lower(): i for i in clear if entries[i].get("username") is not None
    }
    stored: dict[str, str] = {}
    for batch in chunks(list(usernames)):
        for username, password_hash in db.session.execute(
            select(User.username, User.password_hash).where(func.lower(User.username).in_(batch))
        ):
            stored[username.lower()] = password_hash
    for index, password in clear.items():
        current = stored.get(str(entries[index].get("username", "")).strip().lower(), "")
        keep = bool(current) and check_password_hash(current, password)
        out[index]["password_hash"] = current if keep else generate_password_hash(password)
    return out


def _redact(value: Any) -> Any:
    """A malformed users entry with every `password` value replaced by the redaction marker (depth is bounded)."""
    if isinstance(value, dict):
        return {k: {REDACTED: "password"} if k == "password" else _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


class DataSpecKind(PlanKind):
    """Load a data spec: every entry created, updated or unchanged; all or nothing."""

    name = "data_spec"
    title = N_("Data spec")
    input_columns = ("file", "entity", "entry")
    needs_course = False
    atomic = True

    def decide(self, ctx: PlanContext, items: Sequence[Item]) -> Iterator[Decision]:
        entities = supported_entities()
        seen: dict[str, dict[Key, str]] = {key: {} for key in entities}  # natural key -> where first seen
        # the payload is read per row where it is needed (a spec may hold 100,000 entries: no list of payloads)
        for entity_key, grouped in itertools.groupby(items, key=lambda i: _entry(i).entity):
            group = list(grouped)
            if entity_key == ALREADY_LOADED:
                for entry in map(_entry, group):
                    yield Decision(
                        Action.SKIP,
                        code="already_loaded",
                        message=rule_message(
                            "{file}: already loaded (listed first at {first})", file=entry.file, first=entry.first
                        ),
                    )
                continue
            entity = entities.get(entity_key)
            if entity is None:
                supported = ", ".join(entities)
                for entry in map(_entry, group):
                    yield Decision(
                        Action.ERROR,
                        code="unknown_entity",
                        message=rule_message(
                            "{where}: unknown key {key} (supported: {supported})",
                            where=entry.where,
                            key=repr(entity_key),
                            supported=supported,
                        ),
                    )
                continue
            # the cleaned values are kept for apply() only when this is the apply's recompute (a plan in the context)
            values_by_row = ctx.cache.setdefault("values", {}) if ctx.plan is not None else {}
            yield from self._decide_group(
                entity, entities, group, seen, values_by_row, bool(ctx.params.get("only_missing"))
            )

    def _decide_group(
        self,
        entity: Entity,
        entities: dict[str, Entity],
        group: list[Item],
        seen: dict[str, dict[Key, str]],
        values_by_row: dict[int, dict[str, Any]],
        only_missing: bool,
    ) -> Iterator[Decision]:
        cleaned = self._clean_group(entity, group, values_by_row)
        valid = [(i, v) for i, (v, e) in enumerate(cleaned) if not e]
        keys = {i: entity.natural_key(v) for i, v in valid}
        existing = entity.load(list(set(keys.values())))
        missing_refs = self._missing_references(entities, [v for _, v in valid], entity, seen)
        batch = entity.batch_errors([v for _, v in valid], existing)
        batch_by_item = {valid[j][0]: message for j, message in batch.items()}
        for index, (item, (values, errors)) in enumerate(zip(group, cleaned, strict=True)):
            entry = _entry(item)
            where = entry.where
            if errors:
                yield Decision(Action.ERROR, code="invalid_entry", message=entry.problems(errors))
                continue
            key = keys[index]
            label = f"{entity.key}: {entity.describe(values)}"
            problems = [
                rule_message(
                    "{field} {reference} does not exist in the database or earlier in the spec",
                    field=field,
                    reference="/".join(ref),
                )
                for ref_entity, ref, field in entity.references(values)
                if (ref_entity, ref) in missing_refs
            ]
            if key in seen[entity.key]:
                problems.append(rule_message("duplicate of {where}", where=seen[entity.key][key]))
            if index in batch_by_item:
                problems.append(batch_by_item[index])
            seen[entity.key].setdefault(key, where)
            if problems:
                yield Decision(
                    Action.ERROR,
                    key=label,
                    label=label,
                    code="invalid_entry",
                    message=entry.problems(problems),
                )
                continue
            yield self._change(entity, existing.get(key), values, label, where, only_missing)

    @staticmethod
    def _clean_group(
        entity: Entity, group: list[Item], values_by_row: dict[int, dict[str, Any]]
    ) -> list[tuple[dict[str, Any], list[str]]]:
        """(values, problems) of each entry; the values are kept by row for apply."""
        cleaned: list[tuple[dict[str, Any], list[str]]] = []
        for item in group:
            entry = _entry(item)
            if entry.not_a_list:
                cleaned.append(({}, [rule_message("{entity} must be a list of entries", entity=entity.key)]))
            else:
                values, errors = entity.clean(entry.entry)
                cleaned.append((values, errors or entity.extra_errors(values)))
                values_by_row[item.row] = values
        return cleaned

    @staticmethod
    def _change(
        entity: Entity, current: Any, values: dict[str, Any], label: str, where: str, only_missing: bool
    ) -> Decision:
        """A valid entry against its stored row (None: there is none): create, skip, update or unchanged."""
        if current is None:
            return Decision(Action.CREATE, key=label, label=label, message=rule_message("{where}: new", where=where))
        before, after = entity.diff(current, values)
        if (before or after) and only_missing:
            return Decision(
                Action.SKIP,
                key=label,
                label=label,
                code="exists",
                message=rule_message("{where}: exists; left as it is (only missing rows are created)", where=where),
            )
        if before or after:
            return Decision(
                Action.UPDATE,
                key=label,
                label=label,
                message=rule_message("{where}: changes {fields}", where=where, fields=", ".join(after)),
                before=jsonable(before),
                after=jsonable(after),
            )
        return Decision(
            Action.UNCHANGED, key=label, label=label, message=rule_message("{where}: unchanged", where=where)
        )

    @staticmethod
    def _missing_references(
        entities: dict[str, Entity], values: list[dict[str, Any]], entity: Entity, seen: dict[str, dict[Key, str]]
    ) -> set[tuple[str, Key]]:
        wanted: dict[str, set[Key]] = {}
        for v in values:
            for ref_entity, ref, _ in entity.references(v):
                if ref not in seen.get(ref_entity, {}):
                    wanted.setdefault(ref_entity, set()).add(ref)
        missing: set[tuple[str, Key]] = set()
        for ref_entity, refs in wanted.items():
            found = entities[ref_entity].load(list(refs)) if ref_entity in entities else {}
            missing.update((ref_entity, ref) for ref in refs if ref not in found)
        return missing

    def apply(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
        entities = supported_entities()
        resolver = Resolver(entities)
        cleaned = ctx.cache.get("values", {})  # filled by the recompute just before apply
        for entity_key, group in itertools.groupby(rows, key=lambda r: _entry(r).entity):
            entity = entities[entity_key]
            values = [cleaned.get(row.row_number) or entity.clean(_entry(row).entry)[0] for row in group]
            existing = entity.load([entity.natural_key(v) for v in values])
            entity.write([(v, existing.get(entity.natural_key(v))) for v in values], resolver)
            db.session.flush()


def load_spec(path: str | Path, *, actor: User | None, dry_run: bool = False, only_missing: bool = False) -> Plan:
    """Plan the load of a spec and, unless dry_run, apply it. Returns the plan (applied or previewed).

    `actor` None means the trusted command line (ops with database access), as for `flask db upgrade`.
    `only_missing`: create what is missing and update nothing (rows that differ are skipped).
    """
    items = spec_items(read_spec(path))  # the parsed files are let go once their entries are items
    params = {"only_missing": True} if only_missing else {}
    plan = plans.create_plan(DataSpecKind.name, items, actor=actor, source_name=str(path), params=params)
    del items
    if not dry_run and plan.status == PlanStatus.PREVIEWED and not plan.count(Action.ERROR):
        plans.apply_plan(plan.id, actor)
    return plan
