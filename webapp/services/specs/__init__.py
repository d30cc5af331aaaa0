"""The entities a data spec may hold, in load order (domain §5).

Each capability adds its entities here in its place of the order.
"""

from __future__ import annotations

from webapp.services.specs import core
from webapp.services.specs.base import Entity

ENTITY_ORDER = (
    "users",
    "courses",
    "course_staff",
    "enrollments",
    "certificates",
    "allowlist",
    "invalidations",
    "grades",
    "enterprise_customers",
    "enterprise_learners",
    "consents",
    "exams",
    "attempts",
    "reviews",
    "academies",
)


def supported_entities() -> dict[str, Entity]:
    """The entities this build supports, keyed and ordered as ENTITY_ORDER says."""
    found: dict[str, Entity] = {}
    for module in _modules():
        for entity in module.ENTITIES:
            found[entity.key] = entity
    return {key: found[key] for key in ENTITY_ORDER if key in found}


def _modules():
    import importlib

    modules = [core]
    for name in ("certificates", "enterprise", "proctoring", "academies"):
        try:
            modules.append(importlib.import_module(f"webapp.services.specs.{name}"))
        except ModuleNotFoundError as error:
            if error.name != f"webapp.services.specs.{name}":
                raise
    return modules
