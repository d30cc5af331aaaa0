"""Hand a stored job to whoever runs it: RQ over Redis (REDIS_URL), else a thread of this process, or
the request itself (JOBS_IN_PROCESS=sync). The queue carries only the job's id."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from flask import Flask, current_app

from webapp.extensions import db
from webapp.services.jobs import settings
from webapp.services.jobs.runner import run_job

if TYPE_CHECKING:  # redis and rq are imported when REDIS_URL is set, not by every page or command
    from redis import Redis
    from rq import Queue


def redis_connection() -> Redis | None:
    url = settings.redis_url()
    if not url:
        return None
    from redis import Redis

    return Redis.from_url(url)


def job_queue(connection: Redis) -> Queue:
    from rq import Queue

    return Queue(settings.queue_name(), connection=connection)


def dispatch(job_id: int, attempt: int = 0) -> None:
    """Run (or queue) job `job_id`; it must be committed already."""
    connection = redis_connection()
    if connection is not None:
        job_queue(connection).enqueue(
            run_queued,
            job_id,
            job_id=f"staff-console-job-{job_id}-{attempt}",
            job_timeout=settings.timeout_seconds(),
            result_ttl=3600,
            failure_ttl=86400,
            description=f"Staff Console job #{job_id}",
        )
    elif settings.in_process_mode() == "sync":
        run_job(job_id)
    else:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        threading.Thread(target=_in_thread, args=(app, job_id), name=f"job-{job_id}", daemon=True).start()


def run_queued(job_id: int) -> str:
    """RQ's entry point: `flask worker` runs it inside the app context; a fresh session per job."""
    try:
        return run_job(job_id)
    finally:
        db.session.remove()


def _in_thread(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()
