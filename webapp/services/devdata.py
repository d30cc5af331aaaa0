"""Dev and demo data from YAML data specs (domain §5), loaded through the plan engine.

A load is a plan of kind `data_spec`: one row per entry of every entity of every file, matched by natural
key and decided create / update / unchanged / error. It is atomic (any error row refuses the apply) and
idempotent (a second load of the same spec is all unchanged).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml_rs

from webapp.extensions import db
from webapp.models import Plan, PlanRow, User
from webapp.services import plans
from webapp.services.errors import InputRefused
from webapp.services.plans import Decision, Item, PlanContext, PlanKind
from webapp.services.specs import supported_entities
from webapp.services.specs.base import Entity, Key, Resolver, jsonable
from webapp.statuses import Action, PlanStatus

TOP_LEVEL_KEYS = {"data_spec_path", "ida_name"}


class SpecRefused(InputRefused):
    """The spec cannot be read at all (missing file, YAML syntax, wrong shape)."""


@dataclass(frozen=True)
class SpecFile:
    name: str  # as shown to staff: relative to the top-level file
    data: dict[str, Any]


MAX_SPEC_BYTES = 64 * 1024 * 1024
MAX_NESTING = 32  # a data spec needs about 5 levels


def _read_yaml(path: Path, shown: str) -> Any:
    """Parse one YAML file (yaml-rs: fast, reports line and column, bounds alias expansion and depth)."""
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
    try:
        data = yaml_rs.loads(text)
    except yaml_rs.YAMLDecodeError as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        detail = lines[0] if len(lines) < 2 else f"{lines[0]}: {lines[-1]}"
        raise SpecRefused(f"{shown}: not valid YAML ({detail}).") from None
    _refuse_deep_nesting(data, shown)
    return data


def _refuse_deep_nesting(data: Any, shown: str) -> None:
    """Everything after parsing walks entries recursively: refuse what is nested deeper than a spec needs."""
    stack = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_NESTING:
                raise SpecRefused(f"{shown}: nested more than {MAX_NESTING} levels deep; not a data spec.")
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))


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
        nested = _read_yaml(top.parent / shown, shown)
        if not isinstance(nested, dict):
            raise SpecRefused(f"{shown}: a listed data spec must be a mapping of entity lists.")
        files.append(SpecFile(shown, nested))
    return files


def spec_items(files: Sequence[SpecFile]) -> list[Item]:
    """One item per entry, files in order and entities in load order; unknown keys become error items."""
    entities = supported_entities()
    items: list[Item] = []
    row = itertools.count(1)
    for spec in files:
        for key in spec.data:
            if key not in entities:
                items.append(
                    Item(
                        next(row),
                        [spec.name, str(key), ""],
                        {"file": spec.name, "entity": str(key), "index": 0, "entry": None},
                    )
                )
        for key in entities:
            if key not in spec.data:
                continue
            entries = spec.data[key]
            if not isinstance(entries, list):
                items.append(
                    Item(
                        next(row),
                        [spec.name, key, ""],
                        {"file": spec.name, "entity": key, "index": 0, "entry": jsonable(entries), "not_a_list": True},
                    )
                )
                continue
            for index, entry in enumerate(entries, start=1):
                items.append(
                    Item(
                        next(row),
                        [spec.name, key, str(index)],
                        {"file": spec.name, "entity": key, "index": index, "entry": jsonable(entry)},
                    )
                )
    return items


def _where(data: dict[str, Any]) -> str:
    index = f" entry {data['index']}" if data.get("index") else ""
    return f"{data['file']} › {data['entity']}{index}"


class DataSpecKind(PlanKind):
    """Load a data spec: every entry created, updated or unchanged; all or nothing."""

    name = "data_spec"
    title = "Data spec"
    input_columns = ("file", "entity", "entry")
    needs_course = False
    atomic = True

    def decide(self, ctx: PlanContext, items: Sequence[Item]) -> Iterator[Decision]:
        entities = supported_entities()
        seen: dict[str, dict[Key, str]] = {key: {} for key in entities}  # natural key -> where first seen
        for entity_key, grouped in itertools.groupby(items, key=lambda i: i.data["entity"]):
            group = list(grouped)
            entity = entities.get(entity_key)
            if entity is None:
                supported = ", ".join(entities)
                for item in group:
                    yield Decision(
                        Action.ERROR,
                        code="unknown_entity",
                        message=f"{_where(item.data)}: unknown key {entity_key!r} (supported: {supported})",
                    )
                continue
            yield from self._decide_group(entity, entities, group, seen, ctx.cache.setdefault("values", {}))

    def _decide_group(
        self,
        entity: Entity,
        entities: dict[str, Entity],
        group: list[Item],
        seen: dict[str, dict[Key, str]],
        values_by_row: dict[int, dict[str, Any]],
    ) -> Iterator[Decision]:
        cleaned: list[tuple[dict[str, Any], list[str]]] = []
        for item in group:
            if item.data.get("not_a_list"):
                cleaned.append(({}, [f"{entity.key} must be a list of entries"]))
            else:
                values, errors = entity.clean(item.data["entry"])
                cleaned.append((values, errors or entity.extra_errors(values)))
                values_by_row[item.row] = values
        valid = [(i, v) for i, (v, e) in enumerate(cleaned) if not e]
        keys = {i: entity.natural_key(v) for i, v in valid}
        existing = entity.load(list(set(keys.values())))
        missing_refs = self._missing_references(entities, [v for _, v in valid], entity, seen)
        batch = entity.batch_errors([v for _, v in valid], existing)
        batch_by_item = {valid[j][0]: message for j, message in batch.items()}
        for index, (item, (values, errors)) in enumerate(zip(group, cleaned, strict=True)):
            where = _where(item.data)
            if errors:
                yield Decision(Action.ERROR, code="invalid_entry", message=f"{where}: {'; '.join(errors)}")
                continue
            key = keys[index]
            label = f"{entity.key}: {entity.describe(values)}"
            problems = [
                f"{field} {'/'.join(ref)} does not exist in the database or earlier in the spec"
                for ref_entity, ref, field in entity.references(values)
                if (ref_entity, ref) in missing_refs
            ]
            if key in seen[entity.key]:
                problems.append(f"duplicate of {seen[entity.key][key]}")
            if index in batch_by_item:
                problems.append(batch_by_item[index])
            seen[entity.key].setdefault(key, where)
            if problems:
                yield Decision(
                    Action.ERROR,
                    key=label,
                    label=label,
                    code="invalid_entry",
                    message=f"{where}: {'; '.join(problems)}",
                )
                continue
            current = existing.get(key)
            if current is None:
                yield Decision(Action.CREATE, key=label, label=label, message=f"{where}: new")
                continue
            before, after = entity.diff(current, values)
            if before or after:
                yield Decision(
                    Action.UPDATE,
                    key=label,
                    label=label,
                    message=f"{where}: changes {', '.join(after)}",
                    before=jsonable(before),
                    after=jsonable(after),
                )
            else:
                yield Decision(Action.UNCHANGED, key=label, label=label, message=f"{where}: unchanged")

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
        for entity_key, group in itertools.groupby(rows, key=lambda r: r.data["entity"]):
            entity = entities[entity_key]
            values = [cleaned.get(row.row_number) or entity.clean(row.data["entry"])[0] for row in group]
            existing = entity.load([entity.natural_key(v) for v in values])
            entity.write([(v, existing.get(entity.natural_key(v))) for v in values], resolver)
            db.session.flush()


def load_spec(path: str | Path, *, actor: User | None, dry_run: bool = False) -> Plan:
    """Plan the load of a spec and, unless dry_run, apply it. Returns the plan (applied or previewed).

    `actor` None means the trusted command line (ops with database access), as for `flask db upgrade`.
    """
    files = read_spec(path)
    plan = plans.create_plan(DataSpecKind.name, spec_items(files), actor=actor, source_name=str(path))
    if not dry_run and plan.status == PlanStatus.PREVIEWED and not plan.count(Action.ERROR):
        plans.apply_plan(plan.id, actor)
    return plan
