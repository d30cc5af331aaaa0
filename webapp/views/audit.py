"""The audit log for global staff: filter, page, download."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from webapp.i18n import translate_message
from webapp.services import audit
from webapp.services.pagination import page_arg
from webapp.statuses import audit_action_label
from webapp.views.downloads import csv_response

bp = Blueprint("audit", __name__, url_prefix="/audit")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form: bookmarkable, changes nothing

    actor = StringField(_l("Who (username)"), validators=[Optional()])
    action = SelectField(
        _l("Action"), choices=[SelectChoice("", _l("Any action"))], validators=[Optional()], validate_choice=False
    )
    course = StringField(_l("Course key"), validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

    def filters(self) -> audit.AuditFilter:
        if not self.validate():
            return audit.AuditFilter()
        return audit.AuditFilter(
            stored_actor_name(self.actor.data or ""),
            self.action.data or "",
            self.course.data or "",
            self.since.data,
            self.until.data,
        )


def stored_actor_name(typed: str) -> str:
    """The actor name as stored, for the name staff typed as the page shows it: the command line's events
    are stored as "system (command line)" and shown in the reader's language; either finds them."""
    name = typed.strip()
    if name and name.lower() == translate_message(audit.SYSTEM_ACTOR).lower():
        return audit.SYSTEM_ACTOR
    return name


def _form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", _("Any action"))] + [
        SelectChoice(a, translate_message(audit_action_label(a))) for a in audit.known_actions()
    ]
    return form


@bp.route("/")
def index():
    form = _form()
    page = audit.events_page(current_user, form.filters(), page_arg(request.args.get("page")))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/index.html", form=form, page=page, args=args)


@bp.route("/events.csv")
def download():
    rows = audit.events_csv_rows(current_user, _form().filters())
    return csv_response("audit-events.csv", audit.AUDIT_CSV_HEADER, rows)
