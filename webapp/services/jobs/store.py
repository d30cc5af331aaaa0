"""Job rows: create, claim once, finish, cancel, read (with the permission check) and the page's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from webapp.extensions import db
from webapp.i18n import translate_message
from webapp.models import Course, Job, User
from webapp.services import permissions
from webapp.services.errors import NotFound, PermissionDenied
from webapp.services.jobs import settings
from webapp.services.messages import rule_message
from webapp.statuses import JobKind, JobPhase, JobStatus
from webapp.timeutil import utcnow


def create_job(
    kind: JobKind,
    *,
    actor: User | None,
    title: str,
    course: Course | None = None,
    plan_id: int | None = None,
    planner: str = "",
    args: dict[str, Any] | None = None,
    data: bytes | None = None,
    total: int = 0,
) -> Job:
    """A queued job, committed (the queue only carries its id, so it must be stored first)."""
    job = Job(
        kind=kind,
        title=title[:255],
        status=JobStatus.QUEUED,
        planner=planner,
        args=dict(args or {}),
        input=data,
        course_id=course.id if course else None,
        plan_id=plan_id,
        created_by_id=actor.id if actor else None,
        created=utcnow(),
        phase=JobPhase.WAITING,
        done=0,
        total=total,
        attempts=0,
        cancel_requested=False,
        message="",
    )
    db.session.add(job)
    db.session.commit()
    return job


def claim(job_id: int) -> Job | None:
    """queued -> running with a conditional update (one attempt more, a fresh lease): a second delivery of
    the same job, or a second worker, gets None. Commits."""
    now = utcnow()
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.RUNNING,
            attempts=Job.attempts + 1,
            started=now,
            lease_expires=now + timedelta(seconds=settings.lease_seconds()),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if not getattr(claimed, "rowcount", 0):
        return None
    job = db.session.get(Job, job_id)
    if job is not None:
        db.session.refresh(job)
    return job


def finish(job_id: int, attempt: int, status: JobStatus, message: str = "", **values: Any) -> bool:
    """End the given attempt of a running job (only that attempt: a recovered job belongs to its next one).
    Commits; False when the attempt no longer holds the job."""
    done = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.RUNNING, Job.attempts == attempt)
        .values(status=status, message=message, finished=utcnow(), lease_expires=None, input=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(getattr(done, "rowcount", 0))


CANCELLED_BEFORE_START = rule_message("Cancelled before it started.")


def written_message(applied: int, failed: int, *, already: bool = False) -> str:
    """How an apply job ended, stored in English: "40 rows written, 0 failed." (one template per shape, so a
    page shows it in the reader's language)."""
    if already:
        if applied == 1:
            return rule_message(
                "1 row written, {failed} failed (it was already applied; nothing was written again).", failed=failed
            )
        return rule_message(
            "{count} rows written, {failed} failed (it was already applied; nothing was written again).",
            count=format(applied, ","),
            failed=failed,
        )
    if applied == 1:
        return rule_message("1 row written, {failed} failed.", failed=failed)
    return rule_message("{count} rows written, {failed} failed.", count=format(applied, ","), failed=failed)


def get_job(job_id: int, actor: User | None) -> Job:
    """The job, if the actor may see it: who started it, global staff, or staff of its course."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound(rule_message("There is no job #{job}.", job=job_id))
    if actor is not None and not actor.is_staff and job.created_by_id != actor.id:
        if job.course is None:
            raise PermissionDenied(rule_message("Job #{job} was started by someone else.", job=job_id))
        permissions.require_course(actor, job.course.key)
    return job


def latest_for_plan(plan_id: int) -> Job | None:
    """The job that applies (or made) this plan: a running or queued one first, else the newest."""
    active = Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])
    query = select(Job).where(Job.plan_id == plan_id).order_by(active.desc(), Job.id.desc()).limit(1)
    return db.session.scalars(query).first()


def apply_running(course_id: int | None) -> bool:
    """An apply job of this course runs on a live worker (its lease not expired): an apply made now would
    wait behind it for the course's apply lock (`plans.applying._serialize_applies`). A queued job holds no
    lock yet, and a stopped worker's job (lease expired) none any more."""
    if course_id is None:
        return False
    query = select(Job.id).where(
        Job.kind == JobKind.APPLY,
        Job.course_id == course_id,
        Job.status == JobStatus.RUNNING,
        Job.lease_expires > utcnow(),
    )
    return db.session.scalars(query.limit(1)).first() is not None


def request_cancel(job: Job) -> bool:
    """Cancel a planning job: a queued one at once; a running one stops at its next progress report and
    saves nothing. Applying jobs are not cancelled (their writes commit together or not at all)."""
    if job.kind != JobKind.PLAN or not JobStatus(job.status).active:
        return False
    cancelled = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.CANCELLED, finished=utcnow(), input=None, message=CANCELLED_BEFORE_START)
        .execution_options(synchronize_session=False)
    )
    if not getattr(cancelled, "rowcount", 0):
        db.session.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == JobStatus.RUNNING)
            .values(cancel_requested=True)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    db.session.refresh(job)
    return True


@dataclass(frozen=True)
class Progress:
    """What the job page and its JSON show: status, phase, rows done of total, elapsed and an estimate."""

    job_id: int
    status: JobStatus
    phase: JobPhase
    done: int
    total: int
    elapsed: float  # seconds since it started (0 while queued)
    remaining: float | None  # estimated seconds left; None when it cannot be told yet
    message: str
    plan_id: int | None
    cancellable: bool
    cancel_requested: bool

    @property
    def percent(self) -> int:
        return min(100, int(self.done * 100 / self.total)) if self.total else 0

    @property
    def active(self) -> bool:
        return self.status.active

    def as_dict(self) -> dict[str, Any]:
        """The figures as the job page's live updates read them: labels and message in the reader's language
        during a request (the page shows them), English elsewhere (the CLI prints them); codes as stored."""
        return {
            "job_id": self.job_id,
            "status": str(self.status),
            "status_label": translate_message(self.status.label),
            "phase": str(self.phase),
            "phase_label": translate_message(self.phase.label),
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "elapsed": round(self.elapsed, 1),
            "elapsed_text": duration_text(self.elapsed),
            "remaining": None if self.remaining is None else round(self.remaining, 1),
            "remaining_text": "" if self.remaining is None else duration_text(self.remaining),
            "message": translate_message(self.message),
            "plan_id": self.plan_id,
            "active": self.active,
            "cancel_requested": self.cancel_requested,
        }


def progress_of(job: Job, live: tuple[JobPhase, int, int] | None = None, now: datetime | None = None) -> Progress:
    """The job's figures (`live`: this process's fresher phase, done and total of a job it runs)."""
    phase, done, total = live or (JobPhase(job.phase), job.done, job.total)
    status = JobStatus(job.status)
    end = job.finished or now or utcnow()
    elapsed = max(0.0, (end - job.started).total_seconds()) if job.started else 0.0
    remaining = None
    if status == JobStatus.RUNNING and done and total > done and elapsed:
        remaining = elapsed * (total - done) / done
    return Progress(
        job_id=job.id,
        status=status,
        phase=phase,
        done=done,
        total=total,
        elapsed=elapsed,
        remaining=remaining,
        message=job.message,
        plan_id=job.plan_id,
        cancellable=job.kind == JobKind.PLAN and status.active and not job.cancel_requested,
        cancel_requested=job.cancel_requested,
    )


def duration_text(seconds: float) -> str:
    """4 s, 2 min 05 s, 1 h 02 min."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
