"""The entities a data spec may hold, in load order (domain §5).

`webapp.assembly.spec_entities()` lists them; `create_app` installs them here.
"""

from __future__ import annotations

from collections.abc import Iterable

from webapp.services.specs.base import Entity

_INSTALLED: dict[str, Entity] = {}


def install(entities: Iterable[Entity]) -> None:
    """Make these entities (and only these) the supported ones, in the order given."""
    _INSTALLED.clear()
    _INSTALLED.update((entity.key, entity) for entity in entities)


def supported_entities() -> dict[str, Entity]:
    """The installed entities, keyed and in load order."""
    return dict(_INSTALLED)
