"""Log in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from webapp.extensions import login_manager
from webapp.security import renew_session
from webapp.services import auth
from webapp.services.errors import InputRefused
from webapp.views.forms import ConfirmForm, LoginForm

bp = Blueprint("auth", __name__)
login_manager.user_loader(auth.load_user)


def safe_next(target: str | None) -> str:
    """Only a local path is a valid `next`; anything else goes to the dashboard."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith(("//", "/\\")):
            return target
    return url_for("courses.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")))
    status = 200
    if form.validate_on_submit():
        try:
            user = auth.authenticate(form.username.data, form.password.data, request.remote_addr or "")
        except InputRefused as error:
            flash(str(error), "error")
            status = error.status
        else:
            renew_session()
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if ConfirmForm().validate_on_submit():
        auth.logout(current_user._get_current_object())
        logout_user()
        flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))
