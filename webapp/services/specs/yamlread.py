"""Read a data spec's YAML as the platform's loader does (PyYAML `safe_load`, YAML 1.1), within bounds.

Specs written for the platform keep their meaning: `yes`/`no`/`on`/`off` are booleans, dates are dates,
exactly as PyYAML's resolver and SafeConstructor read them. The libyaml C parser produces the events;
this module builds the values from them in one pass, which is what makes it fast (PyYAML's own composer
builds a node per scalar and takes about five times as long) and what lets it refuse, while reading:
- alias expansion bombs: every alias replays its anchor's events; more than MAX_ALIAS_EVENTS replayed
  in total is refused, and so is an alias to a collection that is still open (a recursive structure);
- nesting deeper than the caller's limit (a data spec needs about five levels);
- duplicate keys in a mapping (PyYAML would keep the last one silently and lose the first).
What the fast path does not handle (merge keys `<<`, explicit collection tags such as `!!set`, collection
keys, scalar tags other than the core ones) is read by PyYAML's own CSafeLoader after the same checks.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import MappingNode, ScalarNode
from yaml.resolver import Resolver

MAX_ALIAS_EVENTS = 1_000_000  # events replayed by aliases in one file

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("null", "bool", "int", "float", "timestamp", "binary", "str")
)
_RESOLVERS = {
    first: [*found, *Resolver.yaml_implicit_resolvers.get(None, [])]
    for first, found in Resolver.yaml_implicit_resolvers.items()
    if first is not None
}
_WILDCARD = list(Resolver.yaml_implicit_resolvers.get(None, []))


class YamlRefused(ValueError):
    """Not YAML, or YAML a data spec must not be (bombs, too deep, duplicate keys); the message says where."""


class _Fallback(Exception):
    """A construct the fast path leaves to PyYAML's own loader."""


class _CheckedLoader(yaml.CSafeLoader):
    """PyYAML's C safe loader, refusing duplicate keys (the fast path's other checks ran before it)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key, _ in node.value:
            if isinstance(key, ScalarNode) and key.tag != _MERGE:
                if (key.tag, key.value) in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate mapping key {key.value!r}", key.start_mark
                    )
                seen.add((key.tag, key.value))
        return super().construct_mapping(node, deep)


def _where(event: Any) -> str:
    mark = event.start_mark
    return f"line {mark.line + 1}, column {mark.column + 1}"


def describe_error(error: yaml.YAMLError) -> str:
    """A YAML error as one line: what went wrong and where."""
    if isinstance(error, yaml.MarkedYAMLError):
        parts = []
        for text, mark in ((error.context, error.context_mark), (error.problem, error.problem_mark)):
            if text:
                parts.append(f"{text} at line {mark.line + 1}, column {mark.column + 1}" if mark else text)
        return "; ".join(parts) or "invalid YAML"
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _events(text: str) -> Any:
    """The parser's events (yaml.parse without its per-event check_event call)."""
    parser = yaml.CSafeLoader(text)
    try:
        get_event = parser.get_event
        while True:
            event = get_event()
            yield event
            if type(event) is StreamEndEvent:
                return
    finally:
        parser.dispose()


def load(text: str, *, max_depth: int) -> Any:
    """The document's value as `yaml.safe_load(text)` gives it, or YamlRefused."""
    try:
        return _Builder(max_depth).build(_events(text))
    except _Fallback:
        pass
    except yaml.YAMLError as error:
        raise YamlRefused(describe_error(error)) from None
    try:
        return yaml.load(text, Loader=_CheckedLoader)  # CSafeLoader's subclass: safe
    except yaml.YAMLError as error:
        raise YamlRefused(describe_error(error)) from None
    except RecursionError:
        raise YamlRefused(f"nested more than {max_depth} levels deep") from None


class _Frame:
    """An open collection while building: its value, the pending mapping key, its anchor and its extent."""

    __slots__ = ("anchor", "expanded", "height", "is_mapping", "key", "key_event", "start", "value")

    def __init__(self, value: Any, is_mapping: bool, anchor: str | None, start: Any):
        self.value, self.is_mapping, self.anchor, self.start = value, is_mapping, anchor, start
        self.expanded = 2  # events it stands for, aliases expanded: its start and end, and its contents
        self.key: Any = _NO_KEY
        self.key_event: Any = None
        self.height = 1  # levels of collections from this one down (itself included)


class _Builder:
    """Values from parser events, in one pass, with the checks of the module docstring."""

    def __init__(self, max_depth: int):
        self.max_depth = max_depth
        self.constructor = SafeConstructor()
        self.anchors: dict[str, tuple[Any, int, int]] = {}  # anchor -> (value, expanded events, collection levels)
        self.open_anchors: set[str] = set()
        self.replayed = 0
        self.fallback = False

    def build(self, events: Any) -> Any:
        """Consume the stream; raise _Fallback at its end if a construct needs PyYAML's own loader."""
        documents = 0
        value: Any = None
        stack: list[_Frame] = []
        for event in events:
            kind = type(event)
            if kind is ScalarEvent:
                item = self._scalar(event)
                if event.anchor:
                    self.anchors[event.anchor] = (item, 1, 0)
                if stack:
                    stack[-1].expanded += 1
                    self._add(stack[-1], item, event, hashable=True)
                else:
                    value = item
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                is_mapping = kind is MappingStartEvent
                if event.tag not in (None, "!", _MAP if is_mapping else _SEQ):
                    self.fallback = True
                if len(stack) >= self.max_depth:
                    raise YamlRefused(f"nested more than {self.max_depth} levels deep ({_where(event)})")
                if event.anchor:
                    self.open_anchors.add(event.anchor)
                stack.append(_Frame({} if is_mapping else [], is_mapping, event.anchor, event))
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = stack.pop()
                if frame.anchor:
                    self.open_anchors.discard(frame.anchor)
                    self.anchors[frame.anchor] = (frame.value, frame.expanded, frame.height)
                if stack:
                    stack[-1].expanded += frame.expanded
                    stack[-1].height = max(stack[-1].height, frame.height + 1)
                    self._add(stack[-1], frame.value, frame.start, hashable=False)
                else:
                    value = frame.value
            elif kind is AliasEvent:
                item = self._alias(event, stack)
                if not stack:
                    value = item
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlRefused(f"expected a single document in the stream, found another ({_where(event)})")
            elif kind not in (DocumentEndEvent, StreamStartEvent, StreamEndEvent):
                raise AssertionError(f"unexpected YAML event {event!r}")
        if self.fallback:
            raise _Fallback
        return value

    def _alias(self, event: AliasEvent, stack: list[_Frame]) -> Any:
        """The anchored value (shared, as PyYAML shares it), counted against the expansion budget."""
        anchor = event.anchor
        if anchor in self.open_anchors:
            raise YamlRefused(f"alias *{anchor} refers to a collection that contains it ({_where(event)})")
        if anchor not in self.anchors:
            raise YamlRefused(f"found undefined alias *{anchor} ({_where(event)})")
        item, size, height = self.anchors[anchor]
        self.replayed += size
        if self.replayed > MAX_ALIAS_EVENTS:
            raise YamlRefused(
                f"aliases expand to more than {MAX_ALIAS_EVENTS:,} events ({_where(event)}): "
                "an alias expansion bomb, not a data spec"
            )
        if len(stack) + height > self.max_depth:
            raise YamlRefused(
                f"nested more than {self.max_depth} levels deep through alias *{anchor} ({_where(event)})"
            )
        if stack:
            stack[-1].expanded += size
            stack[-1].height = max(stack[-1].height, height + 1)
            self._add(stack[-1], item, event, hashable=not isinstance(item, dict | list))
        return item

    def _add(self, top: _Frame, item: Any, event: Any, *, hashable: bool) -> None:
        """Append to a sequence, or take a mapping's key, then its value."""
        if not top.is_mapping:
            top.value.append(item)
        elif top.key is _NO_KEY:
            if not hashable or item is _MERGE_KEY:
                self.fallback = True  # PyYAML's loader merges, or says the key is unhashable
            top.key, top.key_event = item, event
        else:
            key, top.key = top.key, _NO_KEY
            if self.fallback:
                return
            try:
                if key in top.value:
                    raise YamlRefused(f"duplicate mapping key {key!r} ({_where(top.key_event)})")
                top.value[key] = item
            except TypeError:  # unhashable after all (e.g. a date key is fine, a list is not)
                self.fallback = True

    def _scalar(self, event: ScalarEvent) -> Any:
        tag, value = event.tag, event.value
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return value
            for resolved, regexp in _RESOLVERS.get(value[:1], _WILDCARD):
                if regexp.match(value):
                    tag = resolved
                    break
            else:
                return value
            if tag == _MERGE:
                return _MERGE_KEY
        if tag == _STR:
            return value
        if tag not in _SCALAR_TAGS:
            self.fallback = True
            return value
        return self.constructor.yaml_constructors[tag](self.constructor, ScalarNode(tag, value))


_NO_KEY = object()
_MERGE_KEY = object()
