"""Every plan's pages: preview, apply, result, error report, revert, history (all kinds alike)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.models import Job
from webapp.services import jobs, permissions, plans
from webapp.services.errors import InputRefused
from webapp.services.pagination import page_arg
from webapp.statuses import EffectKind, PlanStatus, RowFilter
from webapp.views.downloads import csv_response
from webapp.views.forms import ConfirmForm
from webapp.wording import plural

bp = Blueprint("plans", __name__)


@bp.route("/plans/<id:plan_id>")
@login_required
def show(plan_id: int):
    model = plans.plan_page(
        plan_id,
        current_user,
        filter=RowFilter.parse(request.args.get("action")),
        errors_first=request.args.get("errors_first") == "1",
        page=page_arg(request.args.get("page")),
        effect=plans.parse_effect(request.args.get("effect")),
    )
    tab_links = model.tab_links(lambda **args: url_for(".show", plan_id=plan_id, effect=model.effect, **args))
    effect_links = model.effect_links(lambda **args: url_for(".show", plan_id=plan_id, **args))
    job, progress = jobs.plan_progress(plan_id) or (None, None)
    return render_template(
        "plans/plan.html",
        model=model,
        plan=model.plan,
        kind=model.kind,
        tab_links=tab_links,
        effect_links=effect_links,
        EffectKind=EffectKind,
        form=ConfirmForm(),
        job=job,
        progress=progress,
    )


@bp.route("/plans/<id:plan_id>/apply", methods=["POST"])
@login_required
def apply(plan_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        result = jobs.submit_apply(plan_id, current_user)
    except InputRefused as error:
        flash(str(error), "error")
        return redirect(url_for(".show", plan_id=plan_id))
    if isinstance(result, Job):
        flash(_("Applying in the background: this page shows how far it got; you may leave it and come back."), "info")
        return redirect(url_for(".show", plan_id=plan_id))
    if result.status == PlanStatus.STALE:
        flash(
            plural(
                result.changed_rows,
                "The data changed since this preview: {n} row would now do something else or change other values. "
                "Nothing was written. Here is a fresh preview to review.",
                "The data changed since this preview: {n} rows would now do something else or change other values. "
                "Nothing was written. Here is a fresh preview to review.",
            ),
            "warning",
        )
        return redirect(url_for(".show", plan_id=result.fresh_plan.id))
    if result.already:
        flash(_("This plan was already applied; nothing was written again."), "info")
    # Otherwise no flash: the result page's own summary says what was written (a flash would repeat it).
    return redirect(url_for(".show", plan_id=plan_id))


@bp.route("/plans/<id:plan_id>/revert", methods=["POST"])
@login_required
def revert(plan_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        inverse = plans.revert_plan(plan_id, current_user)
    except InputRefused as error:
        flash(str(error), "error")
        return redirect(url_for(".show", plan_id=plan_id))
    flash(
        _("This is the preview of the revert of plan #%(id)s. Nothing is written until you apply it.", id=plan_id),
        "info",
    )
    return redirect(url_for(".show", plan_id=inverse.id))


@bp.route("/plans/<id:plan_id>/errors.csv")
@login_required
def error_report(plan_id: int):
    plan = plans.get_plan(plan_id, current_user)
    header, rows = plans.error_report(plan)
    return csv_response(f"plan-{plan.id}-{plan.kind}-errors.csv", header, rows)


@bp.route("/plans/<id:plan_id>/skipped.csv")
@login_required
def skipped_report(plan_id: int):
    plan = plans.get_plan(plan_id, current_user)
    header, rows = plans.error_report(plan, skipped=True)
    return csv_response(f"plan-{plan.id}-{plan.kind}-skipped.csv", header, rows)


@bp.route("/courses/<course_key:course_key>/plans")
@login_required
def course_history(course_key: str):
    course = permissions.require_course(current_user, course_key)
    page = plans.history_page(actor=current_user, course=course, page=page_arg(request.args.get("page")))
    running = jobs.planning_jobs(current_user, course.id)
    return render_template("plans/history.html", course=course, page=page, running=running)


@bp.route("/plans")
@login_required
def history():
    page = plans.history_page(actor=current_user, course=None, page=page_arg(request.args.get("page")))
    running = jobs.planning_jobs(current_user, None)
    return render_template("plans/history.html", course=None, page=page, running=running)
