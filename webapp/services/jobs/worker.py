"""The queue worker (`flask --app wsgi worker`): RQ's SimpleWorker inside the app context.

SimpleWorker runs each job in the worker's own process (no fork), so the app, its engine and the job share
one process: killing the worker stops its job too, and the job's lease then lets another worker resume it.
A worker recovers stalled jobs when it starts and every JOB_RECOVER_SECONDS while it runs.

A worker lowers its own CPU priority first (QUEUE_WORKER_PRIORITY, default `idle`): on a host it shares with
web workers, page requests then always get the CPU before a job does. On Linux both the scheduling policy and
the nice value belong to each thread; they are set before the worker starts any thread, and its threads
inherit them.
"""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask, current_app

from webapp.extensions import db
from webapp.services.jobs import settings
from webapp.services.jobs.dispatch import job_queue, redis_connection
from webapp.services.jobs.recovery import recover_stalled

log = logging.getLogger(__name__)


class NoQueue(RuntimeError):
    """REDIS_URL is not set: jobs run inside the web process, there is no queue to work."""


class BadPriority(ValueError):
    """QUEUE_WORKER_PRIORITY is neither `idle` nor `normal`."""


PRIORITIES = ("idle", "normal")


def lower_priority(priority: str) -> str:
    """Give this process (its calling thread, and the threads it starts later) the CPU priority `priority`.

    `idle`: Linux's SCHED_IDLE policy (runs only when no normal task wants the CPU) and nice 19 (I/O
    schedulers that honour I/O priorities, such as BFQ, derive a lower one from it); where SCHED_IDLE is
    missing or refused, nice 19 alone. `normal`: left as started. Returns what was applied: `SCHED_IDLE, nice 19`,
    `nice 19`, `normal`, or `unchanged` when the system offers neither.
    """
    if priority not in PRIORITIES:
        raise BadPriority(f"QUEUE_WORKER_PRIORITY must be one of {', '.join(PRIORITIES)}, not {priority!r}.")
    if priority == "normal":
        return "normal"
    applied = []
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            applied.append("SCHED_IDLE")
        except OSError as error:
            log.warning("SCHED_IDLE refused (%s): the queue worker runs at nice 19 only", error)
    if hasattr(os, "nice"):
        try:
            os.nice(19)  # capped at 19 (a worker started at `nice -n 10` ends at 19 too)
            applied.append("nice 19")
        except OSError as error:
            log.warning("nice 19 refused (%s)", error)
    return ", ".join(applied) or "unchanged"


def work(*, burst: bool = False, name: str | None = None) -> None:
    connection = redis_connection()
    if connection is None:
        raise NoQueue("REDIS_URL is not set: jobs run inside the web process, and there is no queue to work.")
    applied = lower_priority(settings.worker_priority())  # before any thread starts: they inherit it
    log.info("Queue worker CPU priority: %s", applied)
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
