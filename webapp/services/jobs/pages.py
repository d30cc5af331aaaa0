"""The read side for pages: a job's progress (recovering it lazily if its worker stopped), a plan's job,
and the cancel request."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Job, User
from webapp.services.errors import Conflict
from webapp.services.jobs import settings
from webapp.services.jobs.dispatch import dispatch, redis_connection
from webapp.services.jobs.recovery import recover_stalled
from webapp.services.jobs.reporter import cancel_live, live
from webapp.services.jobs.store import Progress, get_job, latest_for_plan, progress_of, request_cancel
from webapp.services.messages import rule_message
from webapp.statuses import JobKind, JobStatus
from webapp.timeutil import utcnow


class NotCancellable(Conflict):
    """Only a planning job that has not finished can be cancelled."""


def _looked_after(job: Job) -> Job:
    """Recover a job whose worker stopped; in-process mode, start a queued job no thread has taken (the web
    process that queued it was restarted)."""
    db.session.refresh(job)  # a page polls it: never the session's older copy
    now = utcnow()
    if job.status == JobStatus.RUNNING and job.lease_expires is not None and job.lease_expires < now:
        recover_stalled(job.id)
        db.session.refresh(job)
    elif (
        job.status == JobStatus.QUEUED
        and redis_connection() is None
        and settings.in_process_mode() == "thread"
        and live(job.id) is None
        and job.created < now - timedelta(seconds=5 * settings.progress_seconds())
    ):
        dispatch(job.id, job.attempts)
    return job


def job_progress(job_id: int, actor: User | None) -> tuple[Job, Progress]:
    job = _looked_after(get_job(job_id, actor))
    return job, progress_of(job, live(job.id))


def plan_progress(plan_id: int) -> tuple[Job, Progress] | None:
    """The plan's job and its figures (the caller has checked the plan's permission)."""
    job = latest_for_plan(plan_id)
    if job is None:
        return None
    job = _looked_after(job)
    return job, progress_of(job, live(job.id))


def planning_jobs(actor: User | None, course_id: int | None) -> list[Job]:
    """Planning jobs still queued or running that the actor started (of this course, or of any), newest first:
    where staff find their way back to a job they left."""
    query = select(Job).where(
        Job.kind == JobKind.PLAN, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]), Job.plan_id.is_(None)
    )
    if actor is not None:
        query = query.where(Job.created_by_id == actor.id)
    if course_id is not None:
        query = query.where(Job.course_id == course_id)
    return list(db.session.scalars(query.order_by(Job.id.desc()).limit(20)))


def cancel_job(job_id: int, actor: User | None) -> Job:
    job = get_job(job_id, actor)
    if not request_cancel(job):
        raise NotCancellable(
            rule_message("Job #{job} cannot be cancelled: only a planning job that has not finished can.", job=job.id)
        )
    cancel_live(job.id)
    return job
