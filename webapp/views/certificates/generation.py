"""Generating certificates (domain §1.7): plan an "All Learners" / "For exceptions" run or a regeneration."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice

from webapp.services import jobs
from webapp.services.errors import InputRefused
from webapp.services.jobs.planners import GENERATION
from webapp.statuses import GenerationScope
from webapp.views.certificates import bp, shown_message
from webapp.views.jobs import after_submit


class GenerateForm(FlaskForm):
    scope = SelectField(
        _l("Learners"),
        choices=[SelectChoice(s.value, _l(s.label)) for s in GenerationScope],
        default=GenerationScope.ALL.value,
    )
    regenerate = BooleanField(
        _l("Regenerate"), description=_l("Re-run generation for learners who already hold a certificate.")
    )


@bp.route("/courses/<course_key:course_key>/certificates/generate", methods=["POST"])
@login_required
def generate(course_key: str):
    form = GenerateForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = jobs.submit_plan(
            GENERATION.name,
            current_user,
            {"course_key": course_key, "scope": form.scope.data, "regenerate": bool(form.regenerate.data)},
        )
    except InputRefused as error:
        flash(shown_message(str(error)), "error")
        return redirect(url_for(".issued", course_key=course_key))
    return after_submit(result)
