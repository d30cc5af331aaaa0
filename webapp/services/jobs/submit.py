"""What the pages call: plan or apply at once when small, as a background job when large (or always, for
generation runs and replays). In `sync` mode the job runs in the request and the caller gets its plan."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from webapp.extensions import db
from webapp.models import Job, Plan, User
from webapp.services import plans
from webapp.services.errors import InputRefused, ServiceError
from webapp.services.jobs import settings, store
from webapp.services.jobs.dispatch import dispatch, redis_connection
from webapp.services.jobs.registry import get_planner
from webapp.services.jobs.runner import run_job
from webapp.services.messages import rule_message
from webapp.statuses import Action, JobKind, JobStatus, PlanStatus


def count_rows(data: bytes) -> int:
    """A cheap estimate of a file's rows (its lines), to choose between planning now and a job."""
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def runs_in_background() -> bool:
    """Jobs return at once (a queue, or a thread) rather than running in the request."""
    return redis_connection() is not None or settings.in_process_mode() != "sync"


def submit_plan(planner_name: str, actor: User | None, args: dict[str, Any], data: bytes = b"") -> Plan | Job:
    """Plan now (small input), or as a job: the job when it runs in the background, else its plan.

    Refusals that need no reading (permission, file name, encoding) come at once, before anything is queued;
    a job run in the request raises its refusal like the plain planning would.
    """
    planner = get_planner(planner_name)
    course = planner.check(actor, args)
    if planner.check_input is not None:
        planner.check_input(args, data)
    rows = count_rows(data)
    if not planner.always and rows <= settings.threshold_rows():
        return planner.run(actor, args, data)
    job = store.create_job(
        JobKind.PLAN,
        actor=actor,
        title=planner.title,
        course=course,
        planner=planner.name,
        args=args,
        data=data,
        total=rows,
    )
    if runs_in_background():
        dispatch(job.id)
        return job
    try:
        run_job(job.id, reraise=True)
    except ServiceError:
        _forget(job.id)  # refused in the request, like the plain planning: nothing stays behind
        raise
    return _plan_of_finished(job)


def _forget(job_id: int) -> None:
    db.session.rollback()
    db.session.execute(delete(Job).where(Job.id == job_id))
    db.session.commit()


def _plan_of_finished(job: Job) -> Plan:
    db.session.refresh(job)
    if job.status == JobStatus.DONE and job.plan is not None:
        return job.plan
    raise InputRefused(job.message or rule_message("Job #{job} is {status}.", job=job.id, status=str(job.status)))


def submit_apply(plan_id: int, actor: User | None) -> plans.ApplyResult | Job:
    """Apply now, or (past JOB_THRESHOLD_ROWS rows to write) as a job shown on the plan's page.

    A small plan also goes to a job when an apply job of its course is running: applied now, it would hold
    a web worker, waiting for the course's apply lock, until that job commits (a 100,000-row apply holds it
    for seconds, and a few such requests would take every web worker from the pages).
    The checks that need no writing (permission, status, an atomic plan with errors) come at once; the
    once-only claim is the apply's own, whichever worker runs it.
    """
    plan = plans.get_plan(plan_id, actor, to_change=True)
    small = plan.write_count <= settings.threshold_rows()
    if small and runs_in_background() and plan.status == PlanStatus.PREVIEWED:
        small = not store.apply_running(plan.course_id)
    if small or not runs_in_background() or plan.status != PlanStatus.PREVIEWED or plan.count(Action.ERROR):
        return plans.apply_plan(plan_id, actor)  # refusals and small plans: at once, as ever
    active = store.latest_for_plan(plan.id)
    if active is not None and active.kind == JobKind.APPLY and JobStatus(active.status).active:
        return active  # a double click: the job already queued applies it once
    job = store.create_job(
        JobKind.APPLY,
        actor=actor,
        title=rule_message("Apply plan #{plan}", plan=plan.id),
        course=plan.course,
        plan_id=plan.id,
        total=plan.write_count,
    )
    dispatch(job.id)
    return job
