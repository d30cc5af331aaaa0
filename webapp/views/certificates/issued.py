"""Issued certificates of a course (filters, search, CSV) and the learner self-generation toggle."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField

from webapp.services.certificates import generation, issued
from webapp.services.errors import InputRefused
from webapp.services.pagination import page_arg
from webapp.statuses import CertificateFilter
from webapp.views.certificates import bp, shown_message
from webapp.views.certificates.generation import GenerateForm
from webapp.views.downloads import csv_response


class GenerationForm(FlaskForm):
    """One POST flips the switch; the wanted state travels along so a double click cannot flip it back."""

    enable = HiddenField()


@bp.route("/courses/<course_key:course_key>/certificates/", endpoint="issued")
@login_required
def issued_list(course_key: str):
    data = issued.issued_list(
        current_user,
        course_key,
        filter_value=request.args.get("filter"),
        q=request.args.get("q", ""),
        page=page_arg(request.args.get("page")),
    )
    form = GenerationForm(enable="0" if data.generation.course_enabled else "1")
    return render_template(
        "certificates/issued.html",
        data=data,
        filters=list(CertificateFilter),
        form=form,
        generate_form=GenerateForm(formdata=None),
    )


@bp.route("/courses/<course_key:course_key>/certificates/issued.csv")
@login_required
def issued_csv(course_key: str):
    filename, rows = issued.export_rows(
        current_user, course_key, filter_value=request.args.get("filter"), q=request.args.get("q", "")
    )
    return csv_response(filename, issued.EXPORT_HEADER, rows)


@bp.route("/courses/<course_key:course_key>/certificates/generation", methods=["GET", "POST"])
@login_required
def toggle_generation(course_key: str):
    """GET: the confirmation, stating what the flip does; POST (CSRF): flip it (audited)."""
    if request.method == "GET":
        wanted = request.args.get("enable", "")
        if wanted not in {"0", "1"}:
            abort(400)
        preview = generation.preview_generation(current_user, course_key, wanted == "1")
        return render_template(
            "certificates/generation_confirm.html",
            preview=preview,
            course=preview.state.course,
            form=GenerationForm(formdata=None, enable=wanted),
        )
    form = GenerationForm()
    if not form.validate_on_submit() or form.enable.data not in {"0", "1"}:
        abort(400)
    try:
        result = generation.set_generation(
            current_user, course_key, form.enable.data == "1", remote_addr=request.remote_addr or ""
        )
    except InputRefused as error:
        flash(shown_message(str(error)), "error")
        return redirect(url_for(".issued", course_key=course_key))
    on = result.state.course_enabled
    if result.changed:
        message = (
            _("Learner self-generation of certificates is now on for this course.")
            if on
            else _("Learner self-generation of certificates is now off for this course.")
        )
    else:
        message = (
            _("Learner self-generation of certificates was already on for this course; nothing changed.")
            if on
            else _("Learner self-generation of certificates was already off for this course; nothing changed.")
        )
    flash(message, "success" if result.changed else "info")
    return redirect(url_for(".issued", course_key=course_key))
