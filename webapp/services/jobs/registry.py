"""The planners a planning job may run, by name (listed in `webapp.assembly.job_planners()`).

A planner is a capability's own planning service seen from a job: `check` refuses a request at once
(permission, file name, encoding) before anything is queued, and so does `check_input` (an input too large
to parse); `run` reads the stored input and makes the
plan through the engine, exactly as the request would have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from webapp.models import Course, Plan, User

Args = Mapping[str, Any]


@dataclass(frozen=True)
class Planner:
    name: str
    title: str  # what staff read on the job page: "Exceptions upload"
    check: Callable[[User | None, Args], Course | None]  # raises a ServiceError to refuse; the job's course
    run: Callable[[User | None, Args, bytes], Plan]
    always: bool = False  # a job whatever its size (generation runs, replays); else past JOB_THRESHOLD_ROWS
    done_note: str = ""  # flashed on the plan page when the job's plan is first shown
    # refuses, at once and before anything is queued, an input that cannot be planned (cheap checks only)
    check_input: Callable[[Args, bytes], None] | None = None


PLANNERS: dict[str, Planner] = {}


def register_planner(planner: Planner) -> None:
    PLANNERS[planner.name] = planner


def get_planner(name: str) -> Planner:
    try:
        return PLANNERS[name]
    except KeyError:
        raise RuntimeError(f"No job planner {name!r}: list it in webapp.assembly.job_planners()") from None
