"""Jobs whose worker stopped (killed, host lost): recovered once their lease has expired.

A running job renews its lease every JOB_PROGRESS_SECONDS; a job whose lease expired has no live worker.
- A planning job saved its plan and its own `done` in one transaction, so it either made its plan (done)
  or saved nothing: it is queued again from its stored input (it resumes).
- An applying job is recovered through its plan's lease (`plans.recover_expired`): the apply commits its
  writes, outcomes and `applied` together, so the plan is applied (the job is done), or nothing was written
  (the plan is previewed again and the job is queued again: it resumes), or the plan says exactly what was
  written (the job fails with that message). Never applied twice: the plan's claim sees to that.
After JOB_MAX_ATTEMPTS attempts a job fails instead of resuming.
"""

from __future__ import annotations

from sqlalchemy import Select, select, update
from sqlalchemy.exc import OperationalError

from webapp.extensions import db
from webapp.models import Job, Plan
from webapp.services import plans
from webapp.services.jobs import settings
from webapp.services.jobs.dispatch import dispatch
from webapp.services.jobs.store import written_message
from webapp.services.messages import rule_message
from webapp.statuses import JobKind, JobStatus, PlanStatus
from webapp.timeutil import utcnow


def _stalled(job_id: int | None) -> Select[int]:
    query = select(Job.id).where(Job.status == JobStatus.RUNNING, Job.lease_expires < utcnow()).order_by(Job.id)
    return query if job_id is None else query.where(Job.id == job_id)


def recover_stalled(job_id: int | None = None) -> list[tuple[int, JobStatus]]:
    """Recover every running job whose lease expired (or only `job_id`); returns (job id, new status).

    Queued-again jobs are dispatched after the commit. A job still held by a live worker is left alone.
    """
    db.session.commit()
    ids = list(db.session.scalars(_stalled(job_id)))
    if not ids:
        return []
    for plan_id in db.session.scalars(select(Job.plan_id).where(Job.id.in_(ids), Job.kind == JobKind.APPLY)):
        if plan_id is not None:
            plans.recover_expired(None, plan_id=plan_id)  # commits; a plan still held by a live apply stays
    try:
        jobs = list(db.session.scalars(select(Job).where(Job.id.in_(ids)).with_for_update(skip_locked=True)))
        outcomes = [(job.id, status) for job in jobs if (status := _recover_one(job)) is not None]
        db.session.commit()
    except OperationalError:
        db.session.rollback()  # SQLite: a live job holds the database; not ours to recover
        return []
    for job_id_, status in outcomes:
        if status == JobStatus.QUEUED:
            job = db.session.get(Job, job_id_)
            dispatch(job_id_, job.attempts if job else 0)
    return outcomes


def _recover_one(job: Job) -> JobStatus | None:
    db.session.refresh(job)
    if job.status != JobStatus.RUNNING or job.lease_expires is None or job.lease_expires >= utcnow():
        return None
    status, message = _verdict(job)
    if status is None:
        return None
    if status == JobStatus.QUEUED and job.attempts >= settings.max_attempts():
        status = JobStatus.FAILED
        message = rule_message(
            "Its worker stopped {count} times; nothing of it was saved. Start it again.", count=job.attempts
        )
    values: dict[str, object] = {"status": status, "message": message, "lease_expires": None}
    if status != JobStatus.QUEUED:
        values |= {"finished": utcnow(), "input": None}
    done = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == JobStatus.RUNNING, Job.attempts == job.attempts)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return status if getattr(done, "rowcount", 0) else None


def _verdict(job: Job) -> tuple[JobStatus | None, str]:
    if job.kind == JobKind.PLAN:
        if job.plan_id is not None:
            return JobStatus.DONE, ""
        return JobStatus.QUEUED, rule_message(
            "Its worker stopped while planning; nothing was saved, so it is planning again."
        )
    plan = db.session.get(Plan, job.plan_id) if job.plan_id is not None else None
    if plan is None:
        return JobStatus.FAILED, rule_message("The plan of this job no longer exists.")
    db.session.refresh(plan)
    if plan.status == PlanStatus.APPLIED:
        return JobStatus.DONE, written_message(plan.applied_count, plan.failed_count)
    if plan.status == PlanStatus.PREVIEWED:
        return JobStatus.QUEUED, rule_message(
            "Its worker stopped while applying; nothing had been written, so it is applying again."
        )
    if plan.status == PlanStatus.APPLYING:
        return None, ""  # a live apply holds the plan: leave both alone
    return JobStatus.FAILED, plan.message or plans.plan_is(plan)
