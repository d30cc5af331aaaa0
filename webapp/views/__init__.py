"""Blueprints, one per capability (`webapp.assembly.blueprints()` lists them), and the login requirement."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, Flask, request
from flask_login import current_user

from webapp.extensions import login_manager

# Endpoints reachable without logging in; every other endpoint requires a login.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "i18n.set_locale", "static", "courses.healthz"})
PUBLIC_BLUEPRINTS = frozenset({"api"})  # the signed provider webhook authenticates itself


def register_blueprints(app: Flask, blueprints: Iterable[Blueprint]) -> None:
    """The template globals, the blueprints, then the login requirement on every non-public endpoint."""
    from webapp.views import navigation

    navigation.register(app)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.before_request(_require_login)


def _require_login():
    """Every endpoint but the public ones needs a logged-in user (a 404 is left to its error page)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS or endpoint.split(".")[0] in PUBLIC_BLUEPRINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None
