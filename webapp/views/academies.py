"""Academy pages: the list, the catalog sync form (-> the generic plan preview), the sync history."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from webapp.i18n import translate_message
from webapp.services import academies
from webapp.services.errors import InputRefused
from webapp.services.pagination import page_arg
from webapp.statuses import AcademyState

bp = Blueprint("academies", __name__, url_prefix="/academies")


class SyncForm(FlaskForm):
    source = RadioField(
        _l("Source"),
        default=academies.SOURCE_CATALOG,
        choices=[
            SelectChoice(academies.SOURCE_CATALOG, _l("The configured catalog")),
            SelectChoice(academies.SOURCE_UPLOAD, _l("An uploaded JSON file")),
        ],
    )
    file = FileField(
        _l("Catalog JSON file"),
        render_kw={"accept": ".json,application/json"},
        description=_l(
            "Only when uploading: a list of academies, or an object with a list under "
            "results, items, academies or catalogs."
        ),
    )
    academy = StringField(
        _l("Only this academy (optional)"),
        validators=[Optional(), Length(max=255)],
        description=_l(
            "A catalog uuid or an academy name (any case): only that academy is synced, and nothing "
            "is deactivated. Leave empty to sync every academy."
        ),
    )
    deactivate_missing = BooleanField(_l("Deactivate academies the catalog no longer lists"))

    def validate_file(self, field: FileField) -> None:
        """A file chosen while the configured catalog is selected would be ignored: say so instead."""
        upload = field.data
        if self.source.data == academies.SOURCE_CATALOG and upload and getattr(upload, "filename", ""):
            raise ValidationError(
                _(
                    "You chose the file %(file)s, but the source is the configured catalog. Choose "
                    "“An uploaded JSON file” to sync from the file, or remove the file to sync from the catalog.",
                    file=upload.filename,
                )
            )


def refusal_text(error: InputRefused) -> str:
    """A refusal in the reader's language: one built from a template with values (a catalog refusal) is
    translated with each value translated too ("The catalog at URL answered HTTP 500…")."""
    template, values = getattr(error, "template", None), getattr(error, "values", None)
    if template and values:
        translated = translate_message(template)
        try:
            return translated.format(**{name: translate_message(str(value)) for name, value in values.items()})
        except (KeyError, IndexError, ValueError):
            pass
    return translate_message(str(error))


def _index(form: SyncForm, status: int = 200):
    q = request.args.get("q", "")
    page = academies.academy_page(current_user, q=q, page=page_arg(request.args.get("page")))
    return render_template(
        "academies/index.html",
        page=page,
        q=q,
        form=form,
        states=AcademyState,
        configured=translate_message(academies.describe_configured_source(current_app.config)),
    ), status


@bp.route("/")
@login_required
def index():
    return _index(SyncForm())


@bp.route("/sync", methods=["POST"])
@login_required
def sync():
    form = SyncForm()
    if not form.validate_on_submit():
        return _index(form, 400)
    upload = form.file.data
    try:
        plan = academies.plan_sync_from(
            form.source.data,
            actor=current_user,
            config=current_app.config,
            upload_name=upload.filename if upload else "",
            upload_data=upload.read() if upload else None,
            deactivate_missing=form.deactivate_missing.data,
            academy=form.academy.data or "",
        )
    except InputRefused as error:
        field = form.academy if isinstance(error, academies.AcademyNotInCatalog) else form.source
        field.errors = [*field.errors, refusal_text(error)]
        return _index(form, 400)
    if academies.ONE_ACADEMY_PARAM in plan.params and form.deactivate_missing.data:
        flash(translate_message(academies.NO_DEACTIVATION_NOTE), "info")
    flash(_("This is the preview of the academy sync. Nothing is written until you apply it."), "info")
    return redirect(url_for("plans.show", plan_id=plan.id))


@bp.route("/history")
@login_required
def history():
    page = academies.sync_history(current_user, page=page_arg(request.args.get("page")))
    return render_template("academies/history.html", page=page)
