"""Staff pages of proctoring reviews: queue, needs attention, course tab, review page, second review, replay."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from webapp.i18n import translate_message
from webapp.services import jobs
from webapp.services.errors import InputRefused
from webapp.services.jobs.planners import REPLAY
from webapp.services.pagination import page_arg
from webapp.services.proctoring import queue, replay, reset, reviews
from webapp.services.proctoring import second_review as second_reviews
from webapp.statuses import AttemptStatus, ProviderReviewStatus, ReviewStatus, label_of
from webapp.views.forms import ConfirmForm, CsvUploadForm
from webapp.views.jobs import after_submit

bp = Blueprint("proctoring", __name__)


class SecondReviewForm(FlaskForm):
    decision = RadioField(
        _l("Your decision"),
        validators=[DataRequired(_l("Choose a decision."))],
        choices=[SelectChoice(s.value, _l(s.label)) for s in ReviewStatus],  # labels marked in proctoring.labels
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Length(max=2000)],
        description=_l("Why you decided so; kept with the review and in the audit trail."),
    )


class ReplayUploadForm(FlaskForm):
    file = FileField(
        _l("Payload file"),
        validators=[FileRequired(_l("Choose a JSON or JSON-lines file."))],
        render_kw={"accept": ".json,.jsonl,.ndjson,application/json"},
        description=_l("One provider payload, a JSON list of payloads, or one payload per line."),
    )


def _filters() -> queue.QueueFilters:
    args = request.args
    exam = args.get("exam", "")
    return queue.QueueFilters(
        review_status=args.get("review_status", "") if args.get("review_status") in set(ProviderReviewStatus) else "",
        course=args.get("course", ""),
        exam=_exam_id(exam),
        unreviewed=args.get("unreviewed") == "1",
        unreviewed_failures=args.get("unreviewed_failures") == "1",
        q=args.get("q", "")[:200],
        page=page_arg(args.get("page")),
    )


def _refusal(error: InputRefused) -> str:
    """A refusal in the reader's language: a reset refusal names the row's own message, translated too."""
    template, values = getattr(error, "template", None), getattr(error, "values", None)
    if template and values is not None:
        shown = {name: translate_message(str(value)) for name, value in values.items()}
        translated = translate_message(template)
        try:
            return translated.format(**shown)
        except (KeyError, IndexError, ValueError):
            return translate_message(str(error))
    return translate_message(str(error))


def _exam_id(value: str) -> int | None:
    """An exam filter from the query string: an id the database can hold, else no filter."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def _vocab() -> dict:
    return {
        "review_statuses": list(ProviderReviewStatus),
        "attempt_statuses": list(AttemptStatus),
        "upload_form": ReplayUploadForm(),
    }


@bp.route("/proctoring/reviews", endpoint="queue")
@login_required
def queue_page():
    data = queue.review_queue(current_user, _filters())
    return render_template("proctoring/queue.html", data=data, course=None, attention=False, **_vocab())


@bp.route("/proctoring/needs-attention")
@login_required
def needs_attention():
    filters = _filters()
    filters.unreviewed_failures = True
    data = queue.review_queue(current_user, filters)
    return render_template("proctoring/queue.html", data=data, course=None, attention=True, **_vocab())


@bp.route("/courses/<course_key:course_key>/proctoring/")
@login_required
def course_queue(course_key: str):
    data = queue.course_attempts(current_user, course_key, filters=_filters(), per_page=25)
    return render_template("proctoring/course.html", data=data, course=data.course, **_vocab())


@bp.route("/courses/<course_key:course_key>/proctoring/attempts")
@login_required
def attempts(course_key: str):
    exam = request.args.get("exam", "")
    data = queue.course_attempts(
        current_user,
        course_key,
        exam_id=_exam_id(exam),
        status=request.args.get("status", ""),
        page=page_arg(request.args.get("page")),
    )
    return render_template("proctoring/attempts.html", data=data, course=data.course, **_vocab())


def _decision_effects() -> dict[str, str]:
    """What each second-review decision does to the attempt and its credit status (shown under the choice)."""
    return {s.value: reviews.decision_effect(s.value) for s in ReviewStatus}


@bp.route("/proctoring/reviews/<attempt_code>")
@login_required
def review(attempt_code: str):
    detail = queue.review_detail(current_user, attempt_code)
    return render_template(
        "proctoring/review.html",
        d=detail,
        course=detail.course,
        form=SecondReviewForm(),
        decision_effects=_decision_effects(),
        consequences=reset.CONSEQUENCES,
    )


@bp.route("/courses/<course_key:course_key>/proctoring/attempts/<attempt_code>/reset", methods=["GET", "POST"])
@login_required
def reset_attempt(course_key: str, attempt_code: str):
    """GET: the confirmation, stating what the reset does; POST (CSRF): reset it as a one-row plan."""
    back = request.args.get("back") == "review"
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            done = reset.reset_attempt(current_user, course_key, attempt_code)
        except InputRefused as error:
            flash(_refusal(error), "error")
            return redirect(url_for(".attempts", course_key=course_key))
        flash(
            _(
                "Attempt reset (plan #%(plan)s): %(what)s.",
                plan=done.plan.id if done.plan else "—",
                what="; ".join(translate_message(part) for part in done.parts),
            ),
            "success",
        )
        if back:
            return redirect(url_for(".review", attempt_code=done.attempt.attempt_code))
        return redirect(url_for(".attempts", course_key=course_key))
    try:
        single = reset.preview_reset(current_user, course_key, attempt_code)
    except InputRefused as error:
        flash(_refusal(error), "error")
        return redirect(url_for(".attempts", course_key=course_key))
    return render_template(
        "proctoring/reset_confirm.html",
        single=single,
        course=single.course,
        form=form,
        back=back,
        consequences=reset.CONSEQUENCES,
    ), 400 if request.method == "POST" else 200


@bp.route("/courses/<course_key:course_key>/proctoring/reset", methods=["GET", "POST"])
@login_required
def reset_upload(course_key: str):
    """Bulk reset: a CSV `username_or_email,exam` planned, then previewed on the plan page."""
    course = reset.check_course(current_user, course_key)
    form = CsvUploadForm()
    form.file.description = _("One attempt per row: username_or_email, then the exam's content_id.")
    if request.method == "POST" and form.validate_on_submit():
        try:
            plan = reset.plan_upload(
                current_user, course_key, form.file.data.stream, form.file.data.filename, encoding=form.encoding.data
            )
        except InputRefused as error:
            form.file.errors = [translate_message(str(error))]
        else:
            flash(_("This is the preview of the reset. Nothing is written until you apply it."), "info")
            return redirect(url_for("plans.show", plan_id=plan.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "proctoring/reset_upload.html", form=form, course=course, consequences=reset.CONSEQUENCES
    ), status


def _review_page(attempt_code: str, form: SecondReviewForm, status: int = 200):
    detail = queue.review_detail(current_user, attempt_code)
    return render_template(
        "proctoring/review.html",
        d=detail,
        course=detail.course,
        form=form,
        decision_effects=_decision_effects(),
        consequences=reset.CONSEQUENCES,
    ), status


@bp.route("/proctoring/reviews/<attempt_code>/second-review", methods=["GET", "POST"])
@login_required
def second_review(attempt_code: str):
    """GET: the confirmation, stating what the decision does; POST (CSRF): record it as a one-row plan."""
    if request.method == "GET":
        form = SecondReviewForm(request.args, meta={"csrf": False})
        if not form.validate():
            return _review_page(attempt_code, form, 400)
        try:
            preview = second_reviews.preview_second_review(
                current_user, attempt_code, form.decision.data, form.note.data or ""
            )
        except InputRefused as error:
            form.note.errors = [_refusal(error)]
            return _review_page(attempt_code, form, 400)
        return render_template(
            "proctoring/second_review_confirm.html",
            preview=preview,
            course=preview.attempt.exam.course,
            form=SecondReviewForm(formdata=None, decision=form.decision.data, note=form.note.data or ""),
        )
    form = SecondReviewForm()
    if not form.validate_on_submit():
        return _review_page(attempt_code, form, 400)
    try:
        result = second_reviews.second_review(current_user, attempt_code, form.decision.data, form.note.data or "")
    except InputRefused as error:
        form.note.errors = [_refusal(error)]
        return _review_page(attempt_code, form, 400)
    flash(
        _(
            "Second review recorded: %(decision)s. The attempt moved from %(before)s to %(after)s.",
            decision=translate_message(label_of(result.standard_status, ReviewStatus)),
            before=translate_message(label_of(result.previous_attempt_status, AttemptStatus)),
            after=translate_message(label_of(result.attempt_status, AttemptStatus)),
        ),
        "success",
    )
    return redirect(url_for(".review", attempt_code=result.attempt_code))


@bp.route("/proctoring/replay", methods=["GET", "POST"], defaults={"course_key": ""})
@bp.route("/courses/<course_key:course_key>/proctoring/replay", methods=["GET", "POST"])
@login_required
def replay_upload(course_key: str):
    if course_key:
        replay.check_course(current_user, course_key)  # 403/404 before showing a form for the course
    form = ReplayUploadForm()
    if not form.validate_on_submit():
        return render_template(
            "proctoring/replay.html", form=form, course_key=course_key
        ), 400 if request.method == "POST" else 200
    try:
        result = jobs.submit_plan(
            REPLAY.name,
            current_user,
            {"course_key": course_key, "filename": form.file.data.filename or "payloads.json"},
            form.file.data.read(),
        )
    except InputRefused as error:
        flash(translate_message(str(error)), "error")
        return render_template("proctoring/replay.html", form=form, course_key=course_key), 400
    return after_submit(result, translate_message(REPLAY.done_note))
