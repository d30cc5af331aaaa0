"""Run one job: claim it once, run its planner or the apply with progress, record how it ended.

The same function runs in an RQ worker, in a thread of the web process, or in the request itself
(`JOBS_IN_PROCESS=sync`); it needs an app context and a session of its own (the callers see to both).
"""

from __future__ import annotations

import logging

from webapp.extensions import db
from webapp.models import Job, Plan, User
from webapp.services import plans
from webapp.services.errors import ServiceError
from webapp.services.jobs import store
from webapp.services.jobs.registry import get_planner
from webapp.services.jobs.reporter import JobCancelled, JobLost, JobReporter
from webapp.services.plans import progress
from webapp.statuses import JobKind, JobStatus, PlanStatus
from webapp.wording import plural

log = logging.getLogger(__name__)


def run_job(job_id: int, *, reraise: bool = False) -> str:
    """Run the job if it is still queued (else do nothing: it ran, runs elsewhere, or was cancelled).

    Returns the job's status afterwards, for the worker's log; `reraise` (a job run in the request): a
    refusal is recorded, then raised as it would have been without a job.
    """
    job = store.claim(job_id)
    if job is None:
        return "not queued"
    attempt = job.attempts
    try:
        with JobReporter(job, attempt) as reporter, progress.reporting(reporter):
            if job.kind == JobKind.PLAN:
                _plan(job, attempt)
            else:
                _apply(job, attempt)
    except JobLost:
        db.session.rollback()
    except JobCancelled as error:
        db.session.rollback()
        store.finish(job_id, attempt, JobStatus.CANCELLED, str(error))
    except ServiceError as error:
        db.session.rollback()
        store.finish(job_id, attempt, JobStatus.FAILED, str(error))
        if reraise:
            raise
    except Exception:
        log.exception("Job %s failed", job_id)
        db.session.rollback()
        store.finish(job_id, attempt, JobStatus.FAILED, "The job failed unexpectedly; nothing of it was saved.")
    finished = db.session.get(Job, job_id)
    if finished is not None:
        db.session.refresh(finished)
        return str(finished.status)
    return "gone"


def _actor(job: Job) -> User | None:
    return db.session.get(User, job.created_by_id) if job.created_by_id else None


def _plan(job: Job, attempt: int) -> None:
    planner = get_planner(job.planner)
    plan = planner.run(_actor(job), job.args, job.input or b"")
    # the engine's `saved` hook marked the job done in the plan's own transaction; a planner whose input
    # made no plan through the engine still ends its job here
    store.finish(job.id, attempt, JobStatus.DONE, plan_id=plan.id)


def _apply(job: Job, attempt: int) -> None:
    if job.plan_id is None:
        raise ServiceError("The plan of this job no longer exists.")
    try:
        result = plans.apply_plan(job.plan_id, _actor(job))
    except plans.NotApplicable:
        plan = db.session.get(Plan, job.plan_id)
        if plan is None or plan.status not in (PlanStatus.APPLYING, PlanStatus.APPLIED):
            raise
        message = f"Another job applies plan #{plan.id}; this one wrote nothing."
        store.finish(job.id, attempt, JobStatus.DONE, message)
        return
    if result.status == PlanStatus.STALE and result.fresh_plan is not None:
        message = (
            "The data changed since the preview: "
            + plural(result.changed_rows, "{n} row would", "{n} rows would")
            + " now do something else. "
            f"Nothing was written; review the fresh plan #{result.fresh_plan.id}."
        )
        store.finish(job.id, attempt, JobStatus.DONE, message, args={**job.args, "fresh_plan_id": result.fresh_plan.id})
        return
    note = " (it was already applied; nothing was written again)" if result.already else ""
    store.finish(
        job.id,
        attempt,
        JobStatus.DONE,
        plural(result.applied, "{n} row written", "{n} rows written") + f", {result.failed} failed{note}.",
    )
