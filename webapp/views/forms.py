"""WTForms used by more than one blueprint."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from webapp.services.csvio import ENCODING_LABELS


class LoginForm(FlaskForm):
    username = StringField(
        "Username or email",
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=1024)], render_kw={"autocomplete": "current-password"}
    )


class ConfirmForm(FlaskForm):
    """An empty form: a POST button protected by the CSRF token."""


class CsvUploadForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose a CSV file to upload.")],
        render_kw={"accept": ".csv,text/csv"},
        description="One learner per row: username_or_email, then optional notes.",
    )
    encoding = SelectField(
        "Encoding",
        default="utf-8",
        choices=[SelectChoice(value, label) for value, label in ENCODING_LABELS.items()],
        description="Pick Windows-1252 only for files saved as plain “CSV” by older Excel.",
    )
