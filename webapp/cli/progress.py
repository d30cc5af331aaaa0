"""The command line's progress bar: the plan engine's progress, drawn on stderr for long commands.

Installed by every command that may plan or apply (see `common.refuses_with_exit_1`), never with --json.
Nothing is drawn before PROGRESS_BAR_AFTER_SECONDS, so quick commands print exactly what they did before.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import click
from flask import current_app, has_app_context

from webapp.statuses import JobPhase

if TYPE_CHECKING:
    from webapp.models import Plan

WIDTH = 30


class ProgressBar:
    """A `progress.Reporter` drawing `Applying  [#####.....]  4,000 / 10,000 rows  3 s` on stderr."""

    def __init__(self, after: float | None = None, every: float = 0.2) -> None:
        if after is None:
            after = float(current_app.config.get("PROGRESS_BAR_AFTER_SECONDS", 1.0)) if has_app_context() else 1.0
        self.start = time.monotonic()
        self.after = after
        self.every = every
        self.last = -1.0
        self.drawn = False

    def update(self, phase: JobPhase, done: int, total: int) -> None:
        now = time.monotonic() - self.start
        finished = bool(total) and done >= total
        if now < self.after or (now - self.last < self.every and not finished):
            return
        self.last = now
        self.drawn = True
        filled = int(WIDTH * done / total) if total else 0
        bar = "#" * filled + "." * (WIDTH - filled)
        counts = f"{done:,} / {total:,} rows" if total else f"{done:,} rows"
        click.echo(f"\r{phase.label:<18} [{bar}] {counts}  {now:.0f} s", nl=False, err=True)

    def saved(self, plan: Plan) -> None:
        pass

    def close(self) -> None:
        if self.drawn:
            click.echo("", err=True)
