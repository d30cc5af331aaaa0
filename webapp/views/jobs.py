"""Background jobs: the progress page (refreshes itself; app.js polls its JSON), cancel, and where a page
goes after submitting work that may have become a job."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from webapp.i18n import translate_message
from webapp.models import Job, Plan
from webapp.services import jobs
from webapp.statuses import JobKind, JobStatus
from webapp.views.forms import ConfirmForm

bp = Blueprint("jobs", __name__)
bp.add_app_template_global(jobs.duration_text, "jobs_duration")
bp.add_app_template_global(JobKind, "JobKind")
bp.add_app_template_global(JobStatus, "JobStatus")


def after_submit(result: Plan | Job, note: str = "") -> Response:
    """A plan made at once: its page (with `note` flashed). A job: its progress page."""
    if isinstance(result, Job):
        flash(_("This runs in the background. This page shows how far it got; you may leave it and come back."), "info")
        return redirect(url_for("jobs.show", job_id=result.id))
    if note:
        flash(note, "info")
    return redirect(url_for("plans.show", plan_id=result.id))


def _finished_url(job: Job) -> str | None:
    """Where a finished job's page sends staff: the plan it made or applied (the fresh one if stale)."""
    if job.status != JobStatus.DONE:
        return None
    fresh = (job.args or {}).get("fresh_plan_id")
    plan_id = fresh or job.plan_id
    return url_for("plans.show", plan_id=plan_id) if plan_id else None


@bp.route("/jobs/<id:job_id>")
@login_required
def show(job_id: int):
    job, progress = jobs.job_progress(job_id, current_user)
    done_url = _finished_url(job)
    if done_url and job.kind == JobKind.PLAN:
        note = jobs.get_planner(job.planner).done_note if job.planner in jobs.PLANNERS else ""
        if note:
            flash(note, "info")
        return redirect(done_url)
    return render_template("jobs/job.html", job=job, progress=progress, done_url=done_url, form=ConfirmForm())


@bp.route("/jobs/<id:job_id>/progress.json")
@login_required
def progress_json(job_id: int):
    job, progress = jobs.job_progress(job_id, current_user)
    shown = progress.as_dict()  # its status, phase and message already in the reader's language
    if isinstance(shown.get("title"), str):
        shown["title"] = translate_message(shown["title"])
    return jsonify(shown | {"next": _finished_url(job)})


@bp.route("/jobs/<id:job_id>/cancel", methods=["POST"])
@login_required
def cancel(job_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        jobs.cancel_job(job_id, current_user)
    except jobs.NotCancellable as error:
        flash(str(error), "error")
    else:
        flash(_("Cancel requested: the job stops at its next step and saves nothing."), "info")
    return redirect(url_for(".show", job_id=job_id))
