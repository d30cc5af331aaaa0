"""The dashboard and the course page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from webapp.services import courses, health

bp = Blueprint("courses", __name__)


@bp.route("/")
@login_required
def dashboard():
    return render_template("courses/dashboard.html", rows=courses.dashboard(current_user))


@bp.route("/courses/<course_key:course_key>/")
@login_required
def course(course_key: str):
    return render_template("courses/course.html", overview=courses.overview(current_user, course_key))


@bp.route("/healthz")
def healthz():
    """Public: 200 when the database answers, 503 when it does not (for load balancers)."""
    if health.database_ok():
        return {"status": "ok", "database": "ok"}
    return {"status": "error", "database": "unreachable"}, 503
