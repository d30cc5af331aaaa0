"""Learner completion export: pick a customer, preview who is in the file and who is not, download it."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from webapp.i18n import translate_message
from webapp.services import completion
from webapp.services.errors import InputRefused
from webapp.services.pagination import page_arg
from webapp.statuses import SKIP_LABELS
from webapp.timeutil import iso
from webapp.views.downloads import csv_response

bp = Blueprint("completion", __name__)


class CompletionForm(FlaskForm):
    """The preview parameters, sent with GET so a preview can be bookmarked (no CSRF: it writes nothing)."""

    class Meta:
        csrf = False

    customer = SelectField(_l("Enterprise customer"), validators=[DataRequired(_l("Choose a customer."))])
    course = SelectField(_l("Course"), default="", description=_l("Leave on “All courses” to export every course."))
    as_of = StringField(
        _l("As of (UTC)"),
        validators=[Optional(), Length(max=40)],
        description=_l(
            "ISO 8601 date or time, e.g. 2026-06-30 or 2026-06-30T12:00:00Z. "
            "Empty: now. The same date reproduces the same export."
        ),
    )
    only_changes = BooleanField(_l("Only changes since the last export"))

    def validate_as_of(self, field: StringField) -> None:
        try:
            completion.parse_as_of(field.data)
        except InputRefused as error:
            raise ValidationError(translate_message(str(error))) from None

    def params(self) -> completion.ExportParams:
        return completion.ExportParams(
            customer=self.customer.data,
            course=self.course.data or None,
            as_of=completion.parse_as_of(self.as_of.data),
            only_changes=self.only_changes.data,
        )


class ExportForm(CompletionForm):
    """The same parameters, POSTed with a CSRF token: downloading records the export, so it is not a GET."""

    class Meta:
        csrf = True


def _form(form_class: type[CompletionForm] = CompletionForm) -> CompletionForm:
    customers, courses = completion.form_choices(current_user)
    data = request.form if request.method == "POST" else request.args
    form = form_class(formdata=data if data.get("customer") else None)
    form.customer.choices = [SelectChoice("", _("— choose —"))] + [
        SelectChoice(slug, f"{name} ({slug})") for slug, name in customers
    ]
    form.course.choices = [SelectChoice("", _("All courses"))] + [
        SelectChoice(key, f"{name} — {key}") for key, name in courses
    ]
    return form


@bp.route("/completion/")
@login_required
def index():
    form = _form()
    if form.customer.raw_data is None or not form.validate():
        return _render(form, None)
    preview = completion.preview(
        current_user,
        form.params(),
        view=request.args.get("view", "included"),
        grade=request.args.get("grade"),
        reason=request.args.get("reason"),
        page=page_arg(request.args.get("page")),
    )
    return _render(form, preview)


def _render(form: CompletionForm, preview: completion.Preview | None) -> str:
    return render_template(
        "completion/index.html",
        form=form,
        preview=preview,
        skip_labels=SKIP_LABELS,
        pacing_labels=completion.PACING_LABELS,
        source_labels=completion.SOURCE_LABELS,
        iso=iso,
    )


@bp.route("/completion/export.csv", methods=["POST"])
@login_required
def download():
    """Produce the file and record the export (a POST with a CSRF token: it writes)."""
    form = _form(ExportForm)
    if form.customer.raw_data is None or not form.validate():
        abort(400, _("Choose a customer (and a valid as-of date) on the completion export page first."))
    export = completion.start_export(current_user, form.params())
    return csv_response(export.filename, completion.HEADER, export.csv_rows())
