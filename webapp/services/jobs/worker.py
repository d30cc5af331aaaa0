"""The queue worker (`flask --app wsgi worker`): RQ's SimpleWorker inside the app context.

SimpleWorker runs each job in the worker's own process (no fork), so the app, its engine and the job share
one process: killing the worker stops its job too, and the job's lease then lets another worker resume it.
A worker recovers stalled jobs when it starts and every JOB_RECOVER_SECONDS while it runs.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from webapp.extensions import db
from webapp.services.jobs.dispatch import job_queue, redis_connection
from webapp.services.jobs.recovery import recover_stalled

log = logging.getLogger(__name__)


class NoQueue(RuntimeError):
    """REDIS_URL is not set: jobs run inside the web process, there is no queue to work."""


def work(*, burst: bool = False, name: str | None = None) -> None:
    connection = redis_connection()
    if connection is None:
        raise NoQueue("REDIS_URL is not set: jobs run inside the web process, and there is no queue to work.")
    recover_stalled()
    db.session.remove()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    sweeper = threading.Thread(target=_sweep, args=(app, stop), name="job-recovery", daemon=True)
    sweeper.start()
    try:
        from rq import SimpleWorker  # imported by the worker only, not by every command

        worker = SimpleWorker([job_queue(connection)], connection=connection, name=name)
        worker.work(burst=burst, logging_level="WARNING")
    finally:
        stop.set()


def _sweep(app: Flask, stop: threading.Event) -> None:
    interval = float(app.config.get("JOB_RECOVER_SECONDS", 30))
    while not stop.wait(interval):
        with app.app_context():
            try:
                recover_stalled()
            except Exception:
                log.exception("Recovering stalled jobs failed")
            finally:
                db.session.remove()
