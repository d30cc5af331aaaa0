"""WTForms used by more than one blueprint."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from webapp.services.csvio import ENCODING_LABELS


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username or email"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=1024)], render_kw={"autocomplete": "current-password"}
    )


class ConfirmForm(FlaskForm):
    """An empty form: a POST button protected by the CSRF token."""


class CsvUploadForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a CSV file to upload."))],
        render_kw={"accept": ".csv,text/csv"},
        description=_l("One learner per row: username_or_email, then optional notes."),
    )
    encoding = SelectField(
        _l("Encoding"),
        default="utf-8",
        # the labels are marked where they are declared (csvio); each is shown in the reader's language
        choices=[SelectChoice(value, _l(label)) for value, label in ENCODING_LABELS.items()],
        description=_l("Pick Windows-1252 only for files saved as plain “CSV” by older Excel."),
    )
