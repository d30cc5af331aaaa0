"""Progress of a plan being made or applied: the engine's narrow hook for jobs and the CLI's bar.

The engine calls `track` around the loops it already has (reading the items, deciding them, the apply's
batches) and `saved` once the plan's rows are stored, before its commit. Nothing is reported unless a
caller installed a `Reporter` with `reporting(...)` (a background job, the CLI's bar): the engine never
knows who listens.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Protocol, TypeVar

from webapp.statuses import JobPhase

if TYPE_CHECKING:
    from webapp.models import Plan

T = TypeVar("T")
EVERY = 500  # items between two reports (the reporter throttles its own writes further)


class Reporter(Protocol):
    def update(self, phase: JobPhase, done: int, total: int) -> None:
        """The work is in `phase`, `done` of `total` rows (total 0: not known yet). May raise to stop."""

    def saved(self, plan: Plan) -> None:
        """The plan's rows are stored, and not committed yet: a job records itself in the same transaction."""


_current: ContextVar[Reporter | None] = ContextVar("plan_progress", default=None)


@contextmanager
def reporting(reporter: Reporter) -> Iterator[Reporter]:
    """Send the engine's progress to `reporter` while the block runs."""
    token = _current.set(reporter)
    try:
        yield reporter
    finally:
        _current.reset(token)


def report(phase: JobPhase, done: int, total: int) -> None:
    reporter = _current.get()
    if reporter is not None:
        reporter.update(phase, done, total)


def saved(plan: Plan) -> None:
    reporter = _current.get()
    if reporter is not None:
        reporter.saved(plan)


def track(items: Iterable[T], phase: JobPhase, total: int = 0, *, batches: bool = False) -> Iterable[T]:
    """`items` unchanged, reporting how many went by (`batches`: each item is a batch of rows)."""
    reporter = _current.get()
    if reporter is None:
        return items
    return _tracked(items, reporter, phase, total, batches)


def _tracked(items: Iterable[T], reporter: Reporter, phase: JobPhase, total: int, batches: bool) -> Iterator[T]:
    reporter.update(phase, 0, total)
    done = step = 0
    for item in items:
        yield item
        count = len(item) if batches and isinstance(item, Sized) else 1
        done += count
        step += count
        if step >= EVERY or batches:
            step = 0
            reporter.update(phase, done, max(total, done) if total else 0)  # 0: the total is not known yet
    reporter.update(phase, done, max(total, done))
