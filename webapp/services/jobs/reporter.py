"""A running job's progress: kept in memory, written to its row by a heartbeat thread, which also renews
the job's lease and notices a cancel request.

The heartbeat writes through its own connection, outside the job's transaction, so the plan page of any
web worker sees the phase and the rows done while the job's own writes are not committed yet. On SQLite
the job's transaction may hold the database's write lock: the heartbeat then gives up quickly and tries
again (the job is never slowed down); the web process that runs the job in a thread shows its live figures
from memory (`live`).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, select, update
from sqlalchemy.pool import NullPool

from webapp.extensions import db
from webapp.models import Job
from webapp.services.errors import ServiceError
from webapp.services.jobs import settings
from webapp.services.messages import rule_message
from webapp.statuses import JobKind, JobPhase, JobStatus
from webapp.timeutil import utcnow

if TYPE_CHECKING:
    from webapp.models import Plan

log = logging.getLogger(__name__)

_LIVE: dict[int, JobReporter] = {}  # the jobs this process runs now, by id


class JobCancelled(ServiceError):
    """Staff cancelled the planning job: it stops at its next progress report and saves nothing."""


class JobLost(ServiceError):
    """This attempt no longer holds the job (it was recovered and handed to another attempt)."""


def live(job_id: int) -> tuple[JobPhase, int, int] | None:
    """(phase, done, total) of a job this process runs now, fresher than its row."""
    reporter = _LIVE.get(job_id)
    return reporter.snapshot() if reporter is not None else None


def cancel_live(job_id: int) -> None:
    reporter = _LIVE.get(job_id)
    if reporter is not None:
        reporter.cancelled.set()


# Why a cancelled planning job saved nothing, per phase (stored English; pages translate it).
CANCELLED_WHILE = {
    JobPhase.WAITING: rule_message("Cancelled while waiting; nothing was saved."),
    JobPhase.READING: rule_message("Cancelled while reading the input; nothing was saved."),
    JobPhase.DECIDING: rule_message("Cancelled while deciding each row; nothing was saved."),
    JobPhase.SAVING: rule_message("Cancelled while saving the plan; nothing was saved."),
    JobPhase.APPLYING: rule_message("Cancelled while applying; nothing was saved."),
}


class JobReporter:
    """The engine's progress `Reporter` for one attempt of one job."""

    def __init__(self, job: Job, attempt: int) -> None:
        self.job_id = job.id
        self.attempt = attempt
        self.kind = JobKind(job.kind)
        self.phase = JobPhase.WAITING
        self.done = 0
        self.total = job.total  # the submitter's estimate until the engine knows better
        self.cancelled = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._interval = settings.progress_seconds()
        self._lease = timedelta(seconds=settings.lease_seconds())
        self._engine, self._own_engine = _heartbeat_engine()
        self._thread = threading.Thread(target=self._beat, name=f"job-{job.id}-heartbeat", daemon=True)

    # -- the engine's Reporter protocol
    def update(self, phase: JobPhase, done: int, total: int) -> None:
        with self._lock:
            if phase != self.phase and not total:
                total = self.total if phase == JobPhase.READING else 0
            self.phase, self.done, self.total = phase, done, total or self.total
        if self.kind == JobKind.PLAN and self.cancelled.is_set():
            raise JobCancelled(CANCELLED_WHILE[phase])

    def saved(self, plan: Plan) -> None:
        """The planning job ends in the plan's own transaction: both commit, or neither."""
        if self.kind != JobKind.PLAN:
            return
        if self.cancelled.is_set():
            raise JobCancelled(CANCELLED_WHILE[JobPhase.SAVING])
        self._stop.set()
        total = plan.total
        result = db.session.execute(
            update(Job)
            .where(Job.id == self.job_id, Job.status == JobStatus.RUNNING, Job.attempts == self.attempt)
            .values(
                status=JobStatus.DONE,
                plan_id=plan.id,
                phase=JobPhase.SAVING,
                done=total,
                total=total,
                finished=utcnow(),
                lease_expires=None,
                input=None,
            )
            .execution_options(synchronize_session=False)
        )
        if not getattr(result, "rowcount", 0):
            raise JobLost(
                rule_message("Job #{job} was taken over by another attempt; this one saved nothing.", job=self.job_id)
            )

    # -- life cycle
    def snapshot(self) -> tuple[JobPhase, int, int]:
        with self._lock:
            return self.phase, self.done, self.total

    def __enter__(self) -> JobReporter:
        _LIVE[self.job_id] = self
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self._interval + 10)
        _LIVE.pop(self.job_id, None)
        if self._own_engine:
            self._engine.dispose()

    def _beat(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._write()
            except Exception as error:
                log.debug("Job %s heartbeat skipped: %s", self.job_id, error)

    def _write(self) -> None:
        phase, done, total = self.snapshot()
        with self._engine.begin() as connection:
            connection.execute(
                update(Job)
                .where(Job.id == self.job_id, Job.status == JobStatus.RUNNING, Job.attempts == self.attempt)
                .values(phase=phase, done=done, total=total, lease_expires=utcnow() + self._lease)
            )
            if connection.execute(select(Job.cancel_requested).where(Job.id == self.job_id)).scalar():
                self.cancelled.set()


def _heartbeat_engine() -> tuple[Engine, bool]:
    """The app's engine; on SQLite a small one of its own that waits at most 0.2 s for the write lock."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return engine, False
    return create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": 0.2}), True
