"""Background jobs: large planning and applying, generation runs and replays, with progress (issue 16).

Job state lives in the `jobs` table beside the plans (`store`); a queue carries only job ids (`dispatch`:
RQ over Redis with REDIS_URL, else a thread of the web process, or the request itself); `runner` claims
a job once and runs it with the engine's progress hook (`reporter`); `recovery` resumes or closes jobs
whose worker stopped; `submit` is what pages call; `registry` names the planners a job may run;
`worker` is the `flask worker` command's loop.
"""

from webapp.services.jobs.dispatch import dispatch, redis_connection
from webapp.services.jobs.pages import NotCancellable, cancel_job, job_progress, plan_progress, planning_jobs
from webapp.services.jobs.recovery import recover_stalled
from webapp.services.jobs.registry import PLANNERS, Planner, get_planner, register_planner
from webapp.services.jobs.reporter import JobCancelled, cancel_live, live
from webapp.services.jobs.runner import run_job
from webapp.services.jobs.store import Progress, duration_text, get_job, latest_for_plan, progress_of, request_cancel
from webapp.services.jobs.submit import count_rows, runs_in_background, submit_apply, submit_plan

__all__ = [
    "PLANNERS",
    "JobCancelled",
    "NotCancellable",
    "Planner",
    "Progress",
    "cancel_job",
    "cancel_live",
    "count_rows",
    "dispatch",
    "duration_text",
    "get_job",
    "get_planner",
    "job_progress",
    "latest_for_plan",
    "live",
    "plan_progress",
    "planning_jobs",
    "progress_of",
    "recover_stalled",
    "redis_connection",
    "register_planner",
    "request_cancel",
    "run_job",
    "runs_in_background",
    "submit_apply",
    "submit_plan",
]
