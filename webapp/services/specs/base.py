"""Building blocks of data-spec entities: typed fields and the Entity base class.

An entity is one key of a data spec (`users`, `courses`, …). It validates an entry field by field, names
its natural key, lists the other entities it refers to, and reads and writes its rows in batches.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from webapp.routing import is_course_key
from webapp.services.messages import rule_message
from webapp.timeutil import parse_iso

MISSING: Any = object()
# An int field without its own bounds fits the database's INTEGER column (32 bits on PostgreSQL).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class FieldError(ValueError):
    """A field's value is refused; the message names the field."""


@dataclass(frozen=True)
class Field:
    """One field of an entity: its type, whether it is required, its default and allowed values."""

    name: str
    kind: str = "str"  # str | email | course_key | bool | int | float | datetime | list | choice | dict
    required: bool = False
    default: Any = MISSING
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    def clean(self, value: Any) -> Any:
        name, kind = self.name, self.kind
        if kind in {"str", "email", "course_key", "choice"}:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise FieldError(
                    rule_message("field {name} must be text, not {kind}", name=repr(name), kind=type(value).__name__)
                )
            text = str(value).strip()
            if kind == "email" and ("@" not in text or text.startswith("@") or text.endswith("@")):
                raise FieldError(
                    rule_message(
                        "field {name} must be an email address, not {value}", name=repr(name), value=repr(text)
                    )
                )
            if kind == "course_key" and not is_course_key(text):
                raise FieldError(
                    rule_message(
                        "field {name} must be a course key like course-v1:Org+Course+Run or Org/Course/Run, "
                        "not {value}",
                        name=repr(name),
                        value=repr(text),
                    )
                )
            if kind == "choice" and text not in self.choices:
                raise FieldError(
                    rule_message(
                        "field {name} must be one of {choices}, not {value}",
                        name=repr(name),
                        choices=", ".join(self.choices),
                        value=repr(text),
                    )
                )
            if self.required and not text:
                raise FieldError(rule_message("field {name} must not be empty", name=repr(name)))
            return text
        if kind == "bool":
            if not isinstance(value, bool):
                raise FieldError(
                    rule_message("field {name} must be true or false, not {value}", name=repr(name), value=repr(value))
                )
            return value
        if kind in {"int", "float"}:
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or (kind == "int" and not isinstance(value, int))
            ):
                raise FieldError(
                    rule_message("field {name} must be an integer, not {value}", name=repr(name), value=repr(value))
                    if kind == "int"
                    else rule_message("field {name} must be a number, not {value}", name=repr(name), value=repr(value))
                )
            if not math.isfinite(value):  # NaN compares false with every bound: refuse it (and inf) first
                raise FieldError(
                    rule_message(
                        "field {name} must be a finite number, not {value}", name=repr(name), value=repr(value)
                    )
                )
            low = self.minimum if self.minimum is not None else (INT_MIN if kind == "int" else None)
            high = self.maximum if self.maximum is not None else (INT_MAX if kind == "int" else None)
            if (low is not None and value < low) or (high is not None and value > high):
                raise FieldError(
                    rule_message(
                        "field {name} must be {range}, not {value}",
                        name=repr(name),
                        range=_range(low, high),
                        value=repr(value),
                    )
                )
            return value
        if kind == "datetime":
            not_a_date = rule_message(
                "field {name} must be an ISO 8601 date, not {value}", name=repr(name), value=repr(value)
            )
            if isinstance(value, bool) or not isinstance(value, str | date | datetime):
                raise FieldError(not_a_date)
            try:
                return parse_iso(value)
            except ValueError:
                raise FieldError(not_a_date) from None
        if kind == "list":
            if not isinstance(value, list):
                raise FieldError(
                    rule_message("field {name} must be a list, not {kind}", name=repr(name), kind=type(value).__name__)
                )
            return value
        if kind == "dict":
            if not isinstance(value, dict):
                raise FieldError(
                    rule_message(
                        "field {name} must be a mapping, not {kind}", name=repr(name), kind=type(value).__name__
                    )
                )
            return value
        raise AssertionError(f"unknown field kind {kind}")


Key = tuple[str, ...]


class Entity:
    """One data-spec key. Subclasses declare `key` and `fields` and implement the batch reads/writes."""

    key: ClassVar[str]
    fields: ClassVar[tuple[Field, ...]]

    def clean(self, entry: Any) -> tuple[dict[str, Any], list[str]]:
        """Validated values with defaults applied, and every problem found (unknown, missing, wrong type)."""
        if not isinstance(entry, dict):
            return {}, [
                rule_message(
                    "an entry of {entity} must be a mapping of fields, not {kind}",
                    entity=self.key,
                    kind=type(entry).__name__,
                )
            ]
        known = {f.name: f for f in self.fields}
        errors = [
            rule_message("unknown field {name} (known: {known})", name=repr(name), known=", ".join(known))
            for name in entry
            if name not in known
        ]
        values: dict[str, Any] = {}
        for f in self.fields:
            raw = entry.get(f.name, MISSING)
            if raw is MISSING or raw is None:
                if f.required:
                    errors.append(rule_message("field {name} is required", name=repr(f.name)))
                elif f.default is not MISSING:
                    values[f.name] = list(f.default) if isinstance(f.default, list) else f.default
                continue
            try:
                values[f.name] = f.clean(raw)
            except FieldError as error:
                errors.append(str(error))
        return values, errors

    def natural_key(self, values: dict[str, Any]) -> Key:
        raise NotImplementedError

    def describe(self, values: dict[str, Any]) -> str:
        return " / ".join(self.natural_key(values))

    def references(self, values: dict[str, Any]) -> list[tuple[str, Key, str]]:
        """(entity key, natural key, field name) of every row this entry refers to."""
        return []

    def extra_errors(self, values: dict[str, Any]) -> list[str]:
        """Rules across fields (e.g. a date range); none by default."""
        return []

    def load(self, keys: Sequence[Key]) -> dict[Key, Any]:
        """Existing rows by natural key, read in batches."""
        raise NotImplementedError

    def snapshot(self, row: Any) -> dict[str, Any]:
        """The comparable field values of an existing row (same names as `values`)."""
        raise NotImplementedError

    def comparable(self, values: dict[str, Any]) -> dict[str, Any]:
        """The values to compare with `snapshot` (by default every field given)."""
        return {k: _jsonable(v) for k, v in values.items()}

    def diff(self, existing: Any, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(before, after) of the fields whose stored value differs from the spec's; empty when equal."""
        have, want = self.snapshot(existing), self.comparable(values)
        before = {k: have.get(k) for k in want if have.get(k) != want[k]}
        return before, {k: want[k] for k in before}

    def batch_errors(self, entries: list[dict[str, Any]], existing: dict[Key, Any]) -> dict[int, str]:
        """Errors that need the whole batch (e.g. a unique value used by another row), by entry index."""
        return {}

    def write(self, rows: Sequence[tuple[dict[str, Any], Any]], resolver: Resolver) -> None:
        """Create (existing is None) or update each (values, existing) pair."""
        raise NotImplementedError


class Resolver:
    """Natural key -> database id for references while applying, loaded in batches and cached."""

    def __init__(self, entities: dict[str, Entity]):
        self._entities = entities
        self._cache: dict[str, dict[Key, Any]] = {}

    def prefetch(self, entity: str, keys: Iterable[Key]) -> None:
        cache = self._cache.setdefault(entity, {})
        missing = list({k for k in keys if k not in cache})
        if missing:
            cache.update(self._entities[entity].load(missing))

    def get(self, entity: str, key: Key) -> Any:
        self.prefetch(entity, [key])
        return self._cache[entity][key]

    def forget(self, entity: str) -> None:
        self._cache.pop(entity, None)


def _range(low: float | None, high: float | None) -> str:
    """How a refusal states the allowed range: "between 0 and 1", "at least 1", "at most 9"."""

    def text(bound: float) -> str:
        return f"{bound:g}" if isinstance(bound, float) else str(bound)

    if low is not None and high is not None:
        return rule_message("between {low} and {high}", low=text(low), high=text(high))
    if low is not None:
        return rule_message("at least {low}", low=text(low))
    return rule_message("at most {high}", high=text(high))  # type: ignore[arg-type]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return parse_iso(value).isoformat()
    return value


def jsonable(value: Any) -> Any:
    """Dates to ISO strings, recursively, so entries and snapshots can be stored as JSON."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return _jsonable(value)
