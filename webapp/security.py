"""HTTP security: response headers on every response, and the client address behind trusted proxies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, g, request, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _add_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint != "static" and current_user.is_authenticated:
        # A logged-in page (or export) never stays in a browser's or a proxy's cache for the next person.
        response.headers["Cache-Control"] = "no-store"
    return response


def renew_session() -> None:
    """At login: a fresh session, so nothing from before it survives, the CSRF secret included (a token
    planted or seen before the login is worthless after it). Flask-WTF also caches the token per request."""
    session.clear()
    g.pop("csrf_token", None)


class TrustedProxies:
    """werkzeug's ProxyFix for the configured number of trusted proxies (`TRUSTED_PROXY_COUNT`), read at each
    request: 0 trusts no X-Forwarded-* header, so a client cannot pick its own address (nor its throttle)."""

    def __init__(self, app: Flask):
        self.app = app
        self.wrapped = app.wsgi_app
        self._fixes: dict[int, ProxyFix] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        count = int(self.app.config.get("TRUSTED_PROXY_COUNT") or 0)
        if count <= 0:
            return self.wrapped(environ, start_response)
        fix = self._fixes.get(count)
        if fix is None:
            fix = self._fixes[count] = ProxyFix(self.wrapped, x_for=count, x_proto=count)
        return fix(environ, start_response)


def register(app: Flask) -> None:
    app.after_request(_add_headers)
    app.wsgi_app = TrustedProxies(app)  # type: ignore[method-assign]
