"""Certificate exceptions pages: the allowlist, add one, remove one, upload a roster to grant or remove."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from webapp.services import jobs
from webapp.services.certificates import exceptions
from webapp.services.csvio import ENCODING_LABELS
from webapp.services.errors import InputRefused
from webapp.services.jobs.planners import EXCEPTIONS_UPLOAD
from webapp.services.pagination import page_arg
from webapp.views.certificates import bp, shown_message
from webapp.views.downloads import csv_response
from webapp.views.forms import ConfirmForm, CsvUploadForm
from webapp.views.jobs import after_submit


class AddExceptionForm(FlaskForm):
    identifier = StringField(_l("Username or email"), validators=[DataRequired(), Length(max=254)])
    notes = TextAreaField(
        _l("Notes"),
        validators=[Length(max=1000)],
        render_kw={"rows": 2},
        description=_l("Optional: why this learner gets a certificate whatever their grade."),
    )


class RemovalUploadForm(CsvUploadForm):
    """The upload form again, with its own element ids so both forms fit on one page."""

    file = FileField(
        _l("CSV file of learners to remove"),
        id="remove_file",
        validators=[FileRequired(_l("Choose a CSV file to upload."))],
        render_kw={"accept": ".csv,text/csv"},
        description=_l("Same format: one username or email per row (notes are ignored)."),
    )
    encoding = SelectField(
        _l("Encoding"),
        id="remove_encoding",
        default="utf-8",
        choices=[SelectChoice(v, label) for v, label in ENCODING_LABELS.items()],
    )


def _result(result) -> str:
    """What a one-learner action did, in the reader's language (the learner as they are named)."""
    return _("%(learner)s: %(message)s.", learner=result.label, message=shown_message(result.message))


def _page(course_key: str, add_form=None, upload_form=None, removal_form=None, status: int = 200):
    course, page = exceptions.allowlist_page(
        current_user, course_key, q=request.args.get("q", ""), page=page_arg(request.args.get("page"))
    )
    return render_template(
        "certificates/exceptions.html",
        course=course,
        page=page,
        q=request.args.get("q", ""),
        add_form=add_form or AddExceptionForm(formdata=None),
        upload_form=upload_form or CsvUploadForm(formdata=None),
        removal_form=removal_form or RemovalUploadForm(formdata=None),
    ), status


@bp.route("/courses/<course_key:course_key>/certificates/exceptions", endpoint="exceptions")
@login_required
def exceptions_page(course_key: str):
    return _page(course_key)


def _upload(course_key: str, form: CsvUploadForm, removal: bool):
    if not form.validate_on_submit():
        return _page(course_key, **{"removal_form" if removal else "upload_form": form}, status=400)
    try:
        result = jobs.submit_plan(
            EXCEPTIONS_UPLOAD.name,
            current_user,
            {
                "course_key": course_key,
                "filename": form.file.data.filename,
                "encoding": form.encoding.data,
                "removal": removal,
            },
            form.file.data.read(),
        )
    except InputRefused as error:
        form.file.errors.append(shown_message(str(error)))
        return _page(course_key, **{"removal_form" if removal else "upload_form": form}, status=400)
    return after_submit(result)


@bp.route("/courses/<course_key:course_key>/certificates/exceptions/upload", methods=["POST"])
@login_required
def exceptions_upload(course_key: str):
    return _upload(course_key, CsvUploadForm(), removal=False)


@bp.route("/courses/<course_key:course_key>/certificates/exceptions/remove-upload", methods=["POST"])
@login_required
def exceptions_remove_upload(course_key: str):
    return _upload(course_key, RemovalUploadForm(), removal=True)


@bp.route("/courses/<course_key:course_key>/certificates/exceptions/add", methods=["POST"])
@login_required
def exceptions_add(course_key: str):
    form = AddExceptionForm()
    if not form.validate_on_submit():
        return _page(course_key, add_form=form, status=400)
    try:
        result = exceptions.add_exception(current_user, course_key, form.identifier.data, form.notes.data)
    except InputRefused as error:
        form.identifier.errors.append(shown_message(str(error)))
        return _page(course_key, add_form=form, status=400)
    flash(_result(result), "success" if result.written else "info")
    return redirect(url_for(".exceptions", course_key=course_key))


@bp.route("/courses/<course_key:course_key>/certificates/exceptions/<id:user_id>/remove", methods=["GET", "POST"])
@login_required
def exceptions_remove(course_key: str, user_id: int):
    form = ConfirmForm()
    preview = exceptions.removal_preview(current_user, course_key, user_id)
    if request.method == "GET":
        return render_template("certificates/exceptions_remove.html", preview=preview, course=preview.course, form=form)
    if not form.validate_on_submit():
        abort(400)
    try:
        result = exceptions.remove_exception(current_user, course_key, preview.identifier)
    except InputRefused as error:
        flash(shown_message(str(error)), "error")
    else:
        flash(_result(result), "success" if result.written else "info")
    return redirect(url_for(".exceptions", course_key=course_key))


@bp.route("/courses/<course_key:course_key>/certificates/exceptions.csv")
@login_required
def exceptions_csv(course_key: str):
    course, header, rows = exceptions.allowlist_csv(current_user, course_key)
    return csv_response(f"allowlist-{course.key}.csv", header, rows)
