"""Jobs without Redis: the same job code in a thread of the web process (the quick start), or in the request.

Uploads past JOB_THRESHOLD_ROWS become planning jobs, plans past it apply as jobs; the pages show phase,
rows done / total, elapsed and an estimate, refresh themselves, and let staff cancel a planning job.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from tests.builders import make_user
from tests.certificates.helpers import COURSE_A, plan_id_of, upload, world_with_learners
from tests.jobs.helpers import fresh_job, fresh_plan, job_id_of, many_learners, roster, wait
from webapp.extensions import db
from webapp.models import AllowlistEntry, AuditEvent, Job, Plan
from webapp.services import jobs, plans
from webapp.services.certificates import exceptions
from webapp.services.jobs import store
from webapp.statuses import JobKind, JobPhase, JobStatus, PlanStatus
from webapp.timeutil import utcnow

THRESHOLD = 20


@pytest.fixture
def threaded(app) -> Iterator[None]:
    """The quick start's mode: jobs in a thread of the web process, a small threshold."""
    saved = {k: app.config[k] for k in ("JOBS_IN_PROCESS", "JOB_THRESHOLD_ROWS", "JOB_PROGRESS_SECONDS")}
    app.config.update(JOBS_IN_PROCESS="thread", JOB_THRESHOLD_ROWS=THRESHOLD, JOB_PROGRESS_SECONDS=0.2)
    yield
    app.config.update(saved)


def _wait_job(job_id: int) -> Job:
    wait(lambda: not JobStatus(fresh_job(job_id).status).active, f"job #{job_id} to end")
    return fresh_job(job_id)


def test_an_upload_of_exactly_the_threshold_plans_at_once_and_one_row_more_becomes_a_job(client, threaded):
    w = world_with_learners()
    many_learners(w["course_a"], THRESHOLD + 1)
    client.login("instructor")

    at_once = upload(client, roster(THRESHOLD))
    assert plan_id_of(at_once)  # redirected straight to the plan: no job
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0

    response = upload(client, roster(THRESHOLD + 1))
    job_id = job_id_of(response)
    job = _wait_job(job_id)
    assert (job.status, job.kind, job.planner) == (JobStatus.DONE, JobKind.PLAN, "exceptions-upload")
    assert job.input is None  # the stored upload is dropped once planned
    plan = fresh_plan(job.plan_id)
    assert (plan.status, plan.count("create"), plan.source_name) == (PlanStatus.PREVIEWED, THRESHOLD + 1, "roster.csv")

    page = client.get(f"/jobs/{job_id}")  # a finished planning job's page opens its plan
    assert page.status_code == 302 and page.headers["Location"].endswith(f"/plans/{plan.id}")


def test_a_refused_file_is_refused_at_once_not_queued(client, threaded):
    world_with_learners()
    client.login("instructor")
    response = upload(client, roster(THRESHOLD + 5), name="roster.txt")
    assert response.status_code == 400
    assert "is not a .csv file" in BeautifulSoup(response.data, "html.parser").get_text()
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_large_plan_applies_as_a_job_once_and_its_page_shows_the_result(client, threaded):
    w = world_with_learners()
    many_learners(w["course_a"], 60)
    client.login("instructor")
    plan = exceptions.plan_upload(w["instructor"], COURSE_A, io.BytesIO(roster(60)), "roster.csv")
    applied = client.post(f"/plans/{plan.id}/apply")
    assert applied.status_code == 302 and applied.headers["Location"].endswith(f"/plans/{plan.id}")
    second = client.post(f"/plans/{plan.id}/apply")  # a double click while it is queued or running
    assert second.status_code == 302
    job = store.latest_for_plan(plan.id)
    assert job is not None and job.kind == JobKind.APPLY
    job = _wait_job(job.id)
    assert (job.status, job.message) == (JobStatus.DONE, "60 rows written, 0 failed.")
    assert fresh_plan(plan.id).status == PlanStatus.APPLIED
    assert db.session.scalar(select(func.count()).select_from(AllowlistEntry)) == 60
    applies = select(func.count()).where(AuditEvent.plan_id == plan.id, AuditEvent.action == "plan.apply")
    assert db.session.scalar(applies) == 1
    soup = client.soup(f"/plans/{plan.id}")
    assert "Applied: 60 changes written" in soup.get_text()
    assert soup.find("meta", attrs={"http-equiv": "refresh"}) is None  # finished: no more refreshing


def _running_job(w, *, kind: JobKind = JobKind.PLAN, done: int = 400, total: int = 1000) -> Job:
    job = store.create_job(kind, actor=w["instructor"], title="Certificate exceptions upload", course=w["course_a"])
    job.status, job.phase, job.done, job.total = JobStatus.RUNNING, JobPhase.DECIDING, done, total
    job.attempts, job.started = 1, utcnow().replace(microsecond=0)
    job.lease_expires = utcnow().replace(year=2100)
    db.session.commit()
    return job


def test_the_job_page_shows_phase_rows_elapsed_and_an_estimate_and_refreshes_itself(client):
    w = world_with_learners()
    job = _running_job(w)
    client.login("instructor")
    soup = client.soup(f"/jobs/{job.id}")
    panel = soup.select_one("[data-job-progress]")
    assert panel is not None and panel["data-job-progress"] == f"/jobs/{job.id}/progress.json"
    text = " ".join(panel.get_text().split())
    assert "Deciding each row: 400 / 1,000 rows (40%)" in text
    assert "Elapsed 0 s" in text or "Elapsed 1 s" in text
    assert soup.find("meta", attrs={"http-equiv": "refresh"})["content"] == "2"  # without JavaScript
    assert panel.find("button", string="Cancel") is not None

    data = client.get(f"/jobs/{job.id}/progress.json").get_json()
    assert {k: data[k] for k in ("status", "phase", "done", "total", "percent", "active", "next")} == {
        "status": "running",
        "phase": "deciding",
        "done": 400,
        "total": 1000,
        "percent": 40,
        "active": True,
        "next": None,
    }


def test_the_estimate_is_elapsed_times_rows_left_over_rows_done(app_ctx):
    w = world_with_learners()
    job = _running_job(w, done=250, total=1000)
    assert job.started is not None
    progress = store.progress_of(job, now=job.started + timedelta(seconds=10))
    assert (progress.elapsed, progress.remaining, progress.percent) == (10.0, 30.0, 25)
    nothing_yet = store.progress_of(_running_job(w, done=0, total=1000), now=job.started + timedelta(seconds=10))
    assert nothing_yet.remaining is None  # no row done: no estimate yet ("unknown yet")
    assert store.duration_text(59) == "59 s" and store.duration_text(125) == "2 min 05 s"
    assert store.duration_text(3720) == "1 h 02 min"


def test_a_job_is_shown_to_who_started_it_global_staff_and_its_course_staff_only(client):
    w = world_with_learners()
    job = _running_job(w)
    make_user("outsider")
    db.session.commit()
    client.login("outsider")
    assert client.get(f"/jobs/{job.id}").status_code == 403
    assert client.get(f"/jobs/{job.id}/progress.json").status_code == 403
    client.login("staff")  # global staff see every job
    assert client.get(f"/jobs/{job.id}").status_code == 200
    assert client.get("/jobs/999999").status_code == 404


def test_a_queued_planning_job_is_cancelled_at_once_and_never_runs(client):
    w = world_with_learners()
    job = store.create_job(JobKind.PLAN, actor=w["instructor"], title="t", course=w["course_a"], planner="x")
    client.login("instructor")
    assert client.post(f"/jobs/{job.id}/cancel").status_code == 302
    assert fresh_job(job.id).status == JobStatus.CANCELLED
    assert jobs.run_job(job.id) == "not queued"


def test_an_apply_job_cannot_be_cancelled(client):
    w = world_with_learners()
    job = _running_job(w, kind=JobKind.APPLY)
    client.login("instructor")
    page = client.post(f"/jobs/{job.id}/cancel", follow_redirects=True)
    assert "cannot be cancelled: only a planning job that has not finished can" in page.get_data(as_text=True)
    assert fresh_job(job.id).status == JobStatus.RUNNING


class Gate:
    """An upload whose reading waits at row 600 until the test lets it go on."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.go_on = threading.Event()

    def items(self, n: int):
        from webapp.services.plans import Item

        for i in range(1, n + 1):
            if i == 601:
                self.reached.set()
                self.go_on.wait(30)
            yield Item(i, [f"bulk{i}"], {"identifier": f"bulk{i}"})


def test_cancelling_a_running_planning_job_saves_nothing(client, threaded):
    w = world_with_learners()
    gate = Gate()

    def run(actor, args, data):
        return plans.create_plan("certificate_exceptions", gate.items(2000), actor=actor, course=w["course_a"])

    jobs.register_planner(jobs.Planner("gated-test", "Gated upload", lambda a, g: w["course_a"], run, always=True))
    try:
        client.login("instructor")
        result = jobs.submit_plan("gated-test", w["instructor"], {})
        assert isinstance(result, Job)
        assert gate.reached.wait(30)
        wait(lambda: (jobs.live(result.id) or (None, 0, 0))[1] >= 500, "the reading to report")
        panel = client.soup(f"/jobs/{result.id}").select_one("[data-job-progress]")
        assert "Reading the input: 500 rows so far" in " ".join(panel.get_text().split()), panel.get_text()
        history = client.soup(f"/courses/{COURSE_A}/plans")  # where staff find the job again
        assert history.find("a", string=f"Gated upload · job #{result.id}") is not None
        assert client.post(f"/jobs/{result.id}/cancel").status_code == 302
        gate.go_on.set()
        job = _wait_job(result.id)
    finally:
        gate.go_on.set()
        jobs.PLANNERS.pop("gated-test", None)
        wait(lambda: jobs.live(result.id) is None, "the job's thread to end")
    assert (job.status, job.message) == (JobStatus.CANCELLED, "Cancelled while reading the input; nothing was saved.")
    assert job.plan_id is None
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0


def test_only_an_apply_job_running_under_a_live_lease_sends_small_applies_of_its_course_to_the_queue(app_ctx):
    w = world_with_learners()
    many_learners(w["course_a"], 5)
    plan = exceptions.plan_upload(w["instructor"], COURSE_A, io.BytesIO(roster(5)), "rows.csv")
    course_id = w["course_a"].id
    job = store.create_job(JobKind.APPLY, actor=w["instructor"], title="t", course=w["course_a"], plan_id=plan.id)
    assert not store.apply_running(course_id)  # queued: it holds no lock yet
    assert store.claim(job.id) is not None
    assert store.apply_running(course_id)
    assert not store.apply_running(course_id + 1)  # another course's applies go on at once
    job = fresh_job(job.id)
    job.lease_expires = utcnow() - timedelta(seconds=1)  # its worker stopped: the lock went with it
    db.session.commit()
    assert not store.apply_running(course_id)
    store.finish(job.id, job.attempts, JobStatus.DONE)
    assert not store.apply_running(course_id)
