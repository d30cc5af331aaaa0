"""Invalidations of a course: the list (search, states, CSV), invalidate one learner, bulk upload, re-validate."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from webapp.services import jobs
from webapp.services.certificates import invalidations
from webapp.services.errors import InputRefused
from webapp.services.jobs.planners import INVALIDATIONS_UPLOAD
from webapp.services.pagination import page_arg
from webapp.views.certificates import bp, shown_message
from webapp.views.downloads import csv_response
from webapp.views.forms import ConfirmForm, CsvUploadForm
from webapp.views.jobs import after_submit


class InvalidateForm(FlaskForm):
    identifier = StringField(_l("Learner (username or email)"), validators=[DataRequired(), Length(max=254)])
    notes = TextAreaField(
        _l("Notes"),
        validators=[Length(max=2000)],
        render_kw={"rows": 2},
        description=_l("Why the certificate is invalidated (shown in the list)."),
    )


def _result(result) -> str:
    """What a one-learner action did, in the reader's language (the learner as they are named)."""
    return _("%(learner)s: %(message)s.", learner=result.label, message=shown_message(result.message))


def _render(
    course_key: str, *, upload: CsvUploadForm | None = None, one: InvalidateForm | None = None, status: int = 200
):
    data = invalidations.list_invalidations(
        current_user,
        course_key,
        state=request.args.get("state"),
        q=request.args.get("q", ""),
        page=page_arg(request.args.get("page")),
    )
    return render_template(
        "certificates/invalidations.html",
        data=data,
        upload=upload or CsvUploadForm(),
        one=one or InvalidateForm(),
        confirm=ConfirmForm(),
        states=list(invalidations.InvalidationState),
    ), status


@bp.route("/courses/<course_key:course_key>/certificates/invalidations", endpoint="invalidations")
@login_required
def invalidations_page(course_key: str):
    return _render(course_key)


@bp.route("/courses/<course_key:course_key>/certificates/invalidations.csv")
@login_required
def invalidations_csv(course_key: str):
    filename, rows = invalidations.export_invalidations(
        current_user, course_key, state=request.args.get("state"), q=request.args.get("q", "")
    )
    return csv_response(filename, invalidations.EXPORT_HEADER, rows)


@bp.route("/courses/<course_key:course_key>/certificates/invalidations/upload", methods=["POST"])
@login_required
def invalidations_upload(course_key: str):
    form = CsvUploadForm()
    if not form.validate_on_submit():
        return _render(course_key, upload=form, status=400)
    try:
        result = jobs.submit_plan(
            INVALIDATIONS_UPLOAD.name,
            current_user,
            {"course_key": course_key, "filename": form.file.data.filename, "encoding": form.encoding.data},
            form.file.data.read(),
        )
    except InputRefused as error:
        form.file.errors = [shown_message(str(error))]
        return _render(course_key, upload=form, status=400)
    return after_submit(result)


@bp.route("/courses/<course_key:course_key>/certificates/invalidations/one", methods=["GET", "POST"])
@login_required
def invalidate_one(course_key: str):
    """GET: the confirmation, stating what the invalidation does; POST (CSRF): do it as a one-row plan."""
    if request.method == "GET":
        asked = InvalidateForm(request.args, meta={"csrf": False})
        if not asked.validate():
            return _render(course_key, one=asked, status=400)
        try:
            preview = invalidations.preview_invalidate_one(
                current_user, course_key, asked.identifier.data, asked.notes.data or ""
            )
        except InputRefused as error:
            asked.identifier.errors = [shown_message(str(error))]
            return _render(course_key, one=asked, status=400)
        return render_template(
            "certificates/invalidate_confirm.html",
            course=preview.course,
            preview=preview,
            form=InvalidateForm(formdata=None, identifier=asked.identifier.data, notes=asked.notes.data or ""),
        )
    form = InvalidateForm()
    if not form.validate_on_submit():
        return _render(course_key, one=form, status=400)
    try:
        result = invalidations.invalidate_one(current_user, course_key, form.identifier.data, form.notes.data)
    except InputRefused as error:
        form.identifier.errors = [shown_message(str(error))]
        return _render(course_key, one=form, status=400)
    flash(_result(result), "success" if result.written else "info")
    return redirect(url_for(".invalidations", course_key=course_key))


@bp.route(
    "/courses/<course_key:course_key>/certificates/invalidations/<id:invalidation_id>/revalidate", methods=["POST"]
)
@login_required
def revalidate(course_key: str, invalidation_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        result = invalidations.revalidate_one(current_user, course_key, invalidation_id)
    except InputRefused as error:
        flash(shown_message(str(error)), "error")
    else:
        flash(_result(result), "success")
    return redirect(url_for(".invalidations", course_key=course_key))
