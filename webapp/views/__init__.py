"""Blueprints, one per capability; each is registered when its module exists."""

from __future__ import annotations

import importlib

from flask import Flask, request
from flask_login import current_user

from webapp.extensions import login_manager

# Endpoints reachable without logging in; every other endpoint requires a login.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "courses.healthz"})
PUBLIC_BLUEPRINTS = frozenset({"api"})  # the signed provider webhook authenticates itself

BLUEPRINT_MODULES = (
    "auth",
    "courses",
    "plans",
    "certificates",
    "academies",
    "proctoring",
    "completion",
    "audit",
    "api",
)


def register_blueprints(app: Flask) -> None:
    from webapp.views import navigation

    navigation.register(app)
    for name in BLUEPRINT_MODULES:
        try:
            module = importlib.import_module(f"webapp.views.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"webapp.views.{name}":
                raise
            continue
        app.register_blueprint(module.bp)
    app.before_request(_require_login)


def _require_login():
    """Every endpoint but the public ones needs a logged-in user (a 404 is left to its error page)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS or endpoint.split(".")[0] in PUBLIC_BLUEPRINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None
