"""The kind protocol: what a capability plugs into the plan engine, and the registry of kinds.

A `PlanKind`'s `decide()` turns input items into one `Decision` per item (reading the database in batches,
writing nothing), `apply()` writes a batch of rows, `inverse()` builds the items of the plan that undoes an
applied one. A kind with structured input gives its items a typed payload (`Payload`), stored as `data`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from webapp.models import Course, Plan, User
from webapp.services import permissions
from webapp.services.errors import InputRefused, NotFound, PermissionDenied, ServiceError
from webapp.services.messages import N_, rule_message
from webapp.statuses import Action, EffectKind

if TYPE_CHECKING:
    from webapp.models import PlanRow


class NotApplicable(InputRefused):
    """This plan cannot be applied or reverted (any more): said on the plan's own page, not an error page."""

    status = 409


class Payload(Protocol):
    """A kind's typed view of an item's `data` (a frozen dataclass with `to_data()` / `from_data()`)."""

    def to_data(self) -> dict[str, Any]: ...


class Row(Protocol):
    """What an input row and a stored plan row share: the cells as written and the payload data."""

    @property
    def cells(self) -> list[Any]: ...

    @property
    def data(self) -> dict[str, Any]: ...


@dataclass(slots=True)
class Item:
    """One input row: its number as staff see it, its cells as written, and the normalised data."""

    row: int
    cells: list[str]
    data: dict[str, Any]

    @classmethod
    def of(cls, row: int, cells: list[str], payload: Payload) -> Item:
        """An item whose data is a kind's typed payload."""
        return cls(row, cells, payload.to_data())


ItemSource = Callable[[], Iterable[Item]]
"""An input that can be read more than once: each call reads the items again from the start (a re-readable
upload), so a `batched` kind plans it batch by batch without holding it."""


@dataclass(frozen=True, slots=True)
class Effect:
    """A consequence of a row beyond its own target (design §1): its kind, and one sentence staff read,
    e.g. Effect(EffectKind.CERTIFICATE_UNAVAILABLE, "certificate Received (grade 0.91) becomes unavailable")."""

    kind: EffectKind
    message: str

    def to_data(self) -> dict[str, str]:
        return {"kind": self.kind.value, "message": self.message}


@dataclass(slots=True)
class Decision:
    """What one item will do. `key` identifies the target (e.g. user id); `label` is what staff read;
    `effects` are its consequences beyond its own target, stored with the row and counted on the plan."""

    action: Action
    key: str = ""
    label: str = ""
    code: str = ""
    message: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    effects: Sequence[Effect] = ()  # a shared empty tuple: no empty list per row of a 100,000-row plan

    def effects_data(self) -> list[dict[str, str]] | None:
        """The effects as stored on the row (None when there are none: most rows of a large plan)."""
        return [e.to_data() for e in self.effects] or None


@dataclass(slots=True)
class PlanContext:
    """What a kind may read while deciding or applying: who acts, on which course, with which options."""

    actor: User | None  # None: the trusted command line acting as the system
    course: Course | None
    params: dict[str, Any]
    now: datetime
    plan: Plan | None = None
    cache: dict[str, Any] = field(default_factory=dict)  # per-run scratch space (decide -> apply), never stored

    def require_course(self) -> Course:
        """The plan's course, for kinds that need one (`authorize` refused plans without it)."""
        if self.course is None:
            raise ServiceError(rule_message("This plan needs a course."))
        return self.course

    @property
    def course_id(self) -> int:
        return self.require_course().id

    @property
    def actor_id(self) -> int | None:
        return self.actor.id if self.actor else None


@dataclass(slots=True)
class InversePlan:
    kind: str
    items: list[Item]
    params: dict[str, Any] = field(default_factory=dict)


class PlanKind:
    """Base class of a bulk operation. Subclasses set the class attributes and implement decide/apply."""

    name: ClassVar[str]
    title: ClassVar[str]  # marked N_("Exceptions upload"): stored and exported in English, pages show it |translated
    input_columns: ClassVar[tuple[str, ...]] = ()
    needs_course: ClassVar[bool] = True
    atomic: ClassVar[bool] = False  # all rows in one transaction; any error row refuses the apply
    # What a row changes, as the apply button says it; each marked N_ (pages translate them).
    row_nouns: ClassVar[tuple[str, str]] = (N_("row"), N_("rows"))
    # What an action means for this kind, when its generic label would mislead staff (a re-validation is
    # stored as a deactivation of the invalidation; it reads "Re-validate"). Labels and verbs per action.
    action_labels: ClassVar[dict[Action, str]] = {}
    # How staff fix rows in error, as the preview says it after "download the error report" (marked N_; the
    # plan page shows it |translated).
    fix_hint: ClassVar[str] = N_("fix the rows and upload the file again")
    # Whether `decide()` may be given the items of a re-readable input (`ItemSource`) a batch at a time,
    # after one `survey()` pass over all of them: the plan is then made with bounded memory. A kind whose
    # rows depend on rows of other batches sets it only if its `survey()` records what they need.
    batched: ClassVar[bool] = False

    def empty_note(self, plan: Any) -> str:
        """What an empty plan (no rows) means for this kind, said on its page ("" when nothing to add)."""
        return ""

    @classmethod
    def action_label(cls, action: Action) -> str:
        """The label staff read for this kind's rows of one action (tabs, badges, history counts)."""
        return cls.action_labels.get(action) or action.label

    def authorize(self, actor: User | None, course: Course | None) -> None:
        """Who may plan and apply this kind: by default whoever may see it (kinds narrow it)."""
        self.authorize_view(actor, course)

    def may_change(self, actor: User | None, course: Course | None) -> bool:
        """Whether the actor may apply or revert a plan of this kind (pages hide what they may not do)."""
        try:
            self.authorize(actor, course)
        except (PermissionDenied, NotFound):
            return False
        return True

    def authorize_view(self, actor: User | None, course: Course | None) -> None:
        """Who may see a plan of this kind: a role in the plan's course, or global staff for plans without
        a course."""
        if self.needs_course and course is None:
            raise ServiceError(rule_message("A {kind} plan needs a course.", kind=self.title))
        if actor is None:  # the trusted command line (system), as for `flask db upgrade`
            return
        if course is not None:  # also a course-scoped plan of a kind that may go without (a course's replay)
            permissions.require_course(actor, course.key)
        else:
            permissions.require_global_staff(actor)

    def survey(self, ctx: PlanContext, items: Iterable[Item]) -> int:
        """A batched kind's first pass over all the items (before any batch is decided): records in `ctx.cache`
        what deciding a batch needs to know of the others, refuses an input that cannot be planned; returns
        how many items there are."""
        return sum(1 for _ in items)

    def decide(self, ctx: PlanContext, items: Sequence[Item]) -> Iterable[Decision]:
        raise NotImplementedError

    def apply(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> None:
        raise NotImplementedError

    def inverse(self, ctx: PlanContext, rows: Sequence[PlanRow]) -> InversePlan | None:
        """Items of the plan that undoes the applied rows, or None when the operation has no inverse."""
        return None

    @property
    def revertible(self) -> bool:
        return type(self).inverse is not PlanKind.inverse


KINDS: dict[str, PlanKind] = {}
K = TypeVar("K", bound=type[PlanKind])


def register(kind_class: K) -> K:
    """Make a plan kind known to the engine by its name (called by the composition root, `webapp/assembly.py`)."""
    KINDS[kind_class.name] = kind_class()  # pragma: no mutate - runs at import, before mutmut picks a mutant
    return kind_class


def get_kind(name: str) -> PlanKind:
    try:
        return KINDS[name]
    except KeyError:
        raise NotFound(rule_message("Unknown plan kind {kind}.", kind=repr(name))) from None
