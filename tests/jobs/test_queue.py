"""Jobs on a real queue: RQ over a real Redis, run by real `flask worker` processes (issue 16).

An upload past the threshold returns at once and a worker plans it; a large apply runs on a worker; a worker
killed mid-apply is recovered through the plan's lease and the plan is applied once; two workers on one
queue apply each plan once, even when a job is delivered twice. Skipped when no Redis answers (`make test`
and .ci/run start one: .ci/ensure-redis).
"""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import func, select, update

from tests.certificates.helpers import COURSE_A, upload, world_with_learners
from tests.jobs.helpers import fresh_job, fresh_plan, job_id_of, many_learners, roster, wait
from webapp.extensions import db
from webapp.models import AllowlistEntry, AuditEvent, Job
from webapp.services import jobs
from webapp.services.certificates import exceptions
from webapp.services.jobs import store
from webapp.statuses import JobKind, JobStatus, PlanStatus
from webapp.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/5")
THRESHOLD = 20


def _redis_or_skip() -> Redis:
    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except RedisError as error:
        pytest.skip(f"no Redis at {REDIS_URL} ({error}); `make test` starts one with .ci/ensure-redis")
    return connection


@pytest.fixture
def queue(app) -> Iterator[str]:
    """A queue of this test's own on the real Redis; the app sends its jobs there."""
    connection = _redis_or_skip()
    name = f"test-{uuid.uuid4().hex[:12]}"
    saved = {k: app.config[k] for k in ("REDIS_URL", "JOB_QUEUE", "JOB_THRESHOLD_ROWS")}
    app.config.update(REDIS_URL=REDIS_URL, JOB_QUEUE=name, JOB_THRESHOLD_ROWS=THRESHOLD)
    yield name
    app.config.update(saved)
    Queue(name, connection=connection).delete(delete_jobs=True)


def _worker(queue: str, *, burst: bool, lease: int = 120, extra: dict[str, str] | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "REDIS_URL": REDIS_URL,
        "JOB_QUEUE": queue,
        "SECRET_KEY": "x",
        "PLAN_INSERT_BATCH": "5",
        "PLAN_APPLY_BATCH": "5",
        "PLAN_LEASE_SECONDS": str(lease),
        "JOB_LEASE_SECONDS": str(lease),
        "JOB_PROGRESS_SECONDS": "0.2",
        **(extra or {}),
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", *(["--burst"] if burst else [])]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _finish(worker: subprocess.Popen, timeout: float = 180) -> str:
    try:
        output, _ = worker.communicate(timeout=timeout)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, output.decode(errors="replace")
    return output.decode(errors="replace")


def _count(model) -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _applies(plan_id: int) -> list[str]:
    db.session.rollback()
    events = select(AuditEvent.action).where(AuditEvent.plan_id == plan_id).order_by(AuditEvent.id)
    return list(db.session.scalars(events))


def test_a_large_upload_returns_at_once_a_worker_plans_it_and_applies_it_once(client, queue):
    w = world_with_learners()
    many_learners(w["course_a"], 40)
    client.login("instructor")

    job_id = job_id_of(upload(client, roster(40)))  # returns at once: queued, not planned in the request
    page = client.soup(f"/jobs/{job_id}")
    assert "Waiting for a worker" in page.get_text()
    assert page.find("meta", attrs={"http-equiv": "refresh"}) is not None
    assert fresh_job(job_id).status == JobStatus.QUEUED

    _finish(_worker(queue, burst=True))
    job = fresh_job(job_id)
    assert (job.status, job.attempts) == (JobStatus.DONE, 1)
    plan = fresh_plan(job.plan_id)
    assert (plan.status, plan.count("create")) == (PlanStatus.PREVIEWED, 40)
    assert client.get(f"/jobs/{job_id}").headers["Location"].endswith(f"/plans/{plan.id}")

    applied = client.post(f"/plans/{plan.id}/apply")
    assert applied.status_code == 302
    apply_job = store.latest_for_plan(plan.id)
    assert apply_job is not None and (apply_job.kind, apply_job.status) == (JobKind.APPLY, JobStatus.QUEUED)
    soup = client.soup(f"/plans/{plan.id}")
    assert soup.select_one("[data-job-progress]") is not None  # the plan page shows the job's progress
    assert soup.find("button", string="Cancel") is None  # applying is not cancelled
    _finish(_worker(queue, burst=True))
    assert fresh_plan(plan.id).status == PlanStatus.APPLIED
    assert _count(AllowlistEntry) == 40
    assert _applies(plan.id) == ["plan.apply"]
    assert fresh_job(apply_job.id).message == "40 rows written, 0 failed."


def test_two_workers_on_one_queue_apply_each_plan_once_even_when_a_job_is_delivered_twice(client, queue):
    w = world_with_learners()
    many_learners(w["course_a"], 6 * 25)
    plan_ids = []
    for k in range(6):
        data = "".join(f"bulk{k * 25 + i},late\n" for i in range(25)).encode()
        plan_ids.append(exceptions.plan_upload(w["instructor"], COURSE_A, io.BytesIO(data), f"part{k}.csv").id)
    client.login("instructor")
    for plan_id in plan_ids:
        assert client.post(f"/plans/{plan_id}/apply").status_code == 302
    job_ids = [store.latest_for_plan(p).id for p in plan_ids]  # type: ignore[union-attr]
    for job_id in job_ids:
        jobs.dispatch(job_id, attempt=9)  # the same job on the queue a second time

    first, second = _worker(queue, burst=True), _worker(queue, burst=True)
    _finish(first)
    _finish(second)

    for plan_id, job_id in zip(plan_ids, job_ids, strict=True):
        assert fresh_plan(plan_id).status == PlanStatus.APPLIED
        assert _applies(plan_id) == ["plan.apply"]
        job = fresh_job(job_id)
        assert (job.status, job.attempts, job.message) == (JobStatus.DONE, 1, "25 rows written, 0 failed.")
    assert _count(AllowlistEntry) == 150
    assert _count(Job) == 6


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
@pytest.mark.parametrize("setting", ["idle", "normal", None])
def test_the_worker_runs_jobs_at_the_cpu_priority_of_queue_worker_priority(app, queue, setting):
    """A job run by `flask worker` sees the worker's priority: idle (the default) or as started (normal)."""
    connection = _redis_or_skip()
    probe = Queue(queue, connection=connection).enqueue("tests.jobs.helpers.cpu_priority")
    env = {} if setting is None else {"QUEUE_WORKER_PRIORITY": setting}
    saved = os.environ.pop("QUEUE_WORKER_PRIORITY", None)
    try:
        _finish(_worker(queue, burst=True, extra=env))
    finally:
        if saved is not None:
            os.environ["QUEUE_WORKER_PRIORITY"] = saved
    probe.refresh()
    started = (os.sched_getscheduler(0), os.getpriority(os.PRIO_PROCESS, 0))
    expected = started if setting == "normal" else (os.SCHED_IDLE, 19)
    assert tuple(probe.return_value()) == expected


def test_a_worker_refuses_an_unknown_priority(app, queue):
    worker = _worker(queue, burst=True, extra={"QUEUE_WORKER_PRIORITY": "fast"})
    output = worker.communicate(timeout=120)[0]
    assert worker.returncode == 1
    assert b"QUEUE_WORKER_PRIORITY must be one of idle, normal, not 'fast'." in output


def test_a_small_apply_goes_to_the_queue_behind_an_apply_job_of_its_course_instead_of_holding_a_web_worker(
    client, queue
):
    w = world_with_learners()
    many_learners(w["course_a"], 40)

    def plan(first: int, count: int) -> int:
        data = "".join(f"bulk{i},late\n" for i in range(first, first + count)).encode()
        return exceptions.plan_upload(w["instructor"], COURSE_A, io.BytesIO(data), f"rows{first}.csv").id

    big, small, later = plan(0, 30), plan(30, 5), plan(35, 5)
    client.login("instructor")
    assert client.post(f"/plans/{big}/apply", follow_redirects=True).status_code == 200  # 30 rows > 20: a job
    big_job = store.latest_for_plan(big)
    assert big_job is not None and store.claim(big_job.id) is not None  # as a live worker holds it
    response = client.post(f"/plans/{small}/apply", follow_redirects=True)
    assert "Applying in the background" in response.get_data(as_text=True)
    small_job = store.latest_for_plan(small)
    assert small_job is not None and (small_job.kind, small_job.status) == (JobKind.APPLY, JobStatus.QUEUED)
    assert fresh_plan(small).status == PlanStatus.PREVIEWED  # nothing waited in the request

    # the worker that held the big job gives it back (its delivery is still on the queue); a real one runs both
    db.session.execute(update(Job).where(Job.id == big_job.id).values(status=JobStatus.QUEUED, lease_expires=None))
    db.session.commit()
    _finish(_worker(queue, burst=True))
    assert [fresh_plan(p).status for p in (big, small)] == [PlanStatus.APPLIED, PlanStatus.APPLIED]
    assert _applies(small) == ["plan.apply"]
    assert client.post(f"/plans/{later}/apply").status_code == 302  # no apply job left: at once, as ever
    assert fresh_plan(later).status == PlanStatus.APPLIED
    assert store.latest_for_plan(later) is None
    assert _count(AllowlistEntry) == 40


def test_a_worker_killed_mid_apply_is_recovered_through_the_plan_lease_and_the_plan_applies_once(client, queue):
    learners = 3000
    w = world_with_learners()
    many_learners(w["course_a"], learners)
    plan = exceptions.plan_upload(w["instructor"], COURSE_A, io.BytesIO(roster(learners)), "big.csv")
    client.login("instructor")
    assert client.post(f"/plans/{plan.id}/apply").status_code == 302
    job_id = store.latest_for_plan(plan.id).id  # type: ignore[union-attr]

    worker = _worker(queue, burst=False, lease=2)
    try:
        wait(lambda: worker.poll() is not None or fresh_plan(plan.id).status == PlanStatus.APPLYING, "the apply")
        assert worker.poll() is None, worker.stdout.read() if worker.stdout else ""
        _kill_mid_apply(worker, plan.id, job_id)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    # nothing half-written without a record: the apply's writes commit with its outcomes, or not at all
    assert fresh_plan(plan.id).status == PlanStatus.APPLYING
    assert _count(AllowlistEntry) == 0
    job = fresh_job(job_id)
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 1)
    lease = max(fresh_plan(plan.id).lease_expires, job.lease_expires)  # type: ignore[type-var]
    wait(lambda: utcnow() > lease, "the leases to expire", timeout=20)

    _finish(_worker(queue, burst=True, lease=2))  # recovers at start, resumes the job, applies it
    job = fresh_job(job_id)
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    assert job.message == f"{learners:,} rows written, 0 failed."
    assert fresh_plan(plan.id).status == PlanStatus.APPLIED
    assert _count(AllowlistEntry) == learners
    assert db.session.scalar(select(func.count(func.distinct(AllowlistEntry.user_id)))) == learners
    assert _applies(plan.id) == ["plan.recover", "plan.apply"]


def _kill_mid_apply(worker: subprocess.Popen, plan_id: int, job_id: int, timeout: float = 60) -> None:
    """SIGKILL the worker while it is inside the apply's transaction, without racing its commit: freeze it
    (SIGSTOP) once it is writing, confirm the plan is still being applied, then kill it; if it was frozen
    too early, let it go on and look again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert worker.poll() is None, worker.stdout.read() if worker.stdout else ""
        if _is_applying_rows(job_id):
            worker.send_signal(signal.SIGSTOP)
            if fresh_plan(plan_id).status == PlanStatus.APPLYING and _is_applying_rows(job_id):
                worker.send_signal(signal.SIGKILL)
                return
            assert fresh_plan(plan_id).status == PlanStatus.APPLYING, "the apply ended before it was frozen"
            worker.send_signal(signal.SIGCONT)
        time.sleep(0.02)
    pytest.fail("timed out waiting for the worker to write rows")


def _is_applying_rows(job_id: int) -> bool:
    """The worker is inside the apply's transaction. On SQLite that transaction holds the database's write
    lock from its claim to its commit (and a heartbeat may not get through): a write that cannot start is
    the sign. Elsewhere the job's heartbeat reports rows written."""
    if db.engine.dialect.name == "sqlite":
        connection = sqlite3.connect(db.engine.url.database or "", timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        finally:
            connection.close()
        return False
    job = fresh_job(job_id)
    return job.phase == "applying" and job.done > 0
