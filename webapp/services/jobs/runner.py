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
from webapp.services.messages import english, rule_message
from webapp.services.plans import progress
from webapp.statuses import JobKind, JobStatus, PlanStatus

log = logging.getLogger(__name__)


PLAN_GONE = rule_message("The plan of this job no longer exists.")


def run_job(job_id: int, *, reraise: bool = False) -> str:
    """Run the job if it is still queued (else do nothing: it ran, runs elsewhere, or was cancelled).

    Returns the job's status afterwards, for the worker's log; `reraise` (a job run in the request): a
    refusal is recorded, then raised as it would have been without a job. Runs inside `english()`: a job run
    in a request stores English like one run by a worker.
    """
    with english():
        return _run_job(job_id, reraise=reraise)


def _run_job(job_id: int, *, reraise: bool) -> str:
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
        store.finish(
            job_id,
            attempt,
            JobStatus.FAILED,
            rule_message("The job failed unexpectedly; nothing of it was saved."),
        )
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
        raise ServiceError(PLAN_GONE)
    try:
        result = plans.apply_plan(job.plan_id, _actor(job))
    except plans.NotApplicable:
        plan = db.session.get(Plan, job.plan_id)
        if plan is None or plan.status not in (PlanStatus.APPLYING, PlanStatus.APPLIED):
            raise
        message = rule_message("Another job applies plan #{plan}; this one wrote nothing.", plan=plan.id)
        store.finish(job.id, attempt, JobStatus.DONE, message)
        return
    if result.status == PlanStatus.STALE and result.fresh_plan is not None:
        if result.changed_rows == 1:
            message = rule_message(
                "The data changed since the preview: 1 row would now do something else. "
                "Nothing was written; review the fresh plan #{fresh_plan}.",
                fresh_plan=result.fresh_plan.id,
            )
        else:
            message = rule_message(
                "The data changed since the preview: {count} rows would now do something else. "
                "Nothing was written; review the fresh plan #{fresh_plan}.",
                count=format(result.changed_rows, ","),
                fresh_plan=result.fresh_plan.id,
            )
        store.finish(job.id, attempt, JobStatus.DONE, message, args={**job.args, "fresh_plan_id": result.fresh_plan.id})
        return
    store.finish(
        job.id, attempt, JobStatus.DONE, store.written_message(result.applied, result.failed, already=result.already)
    )
