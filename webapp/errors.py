"""Error pages (HTML) and JSON errors (API); never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from webapp.services.errors import PermissionDenied, ServiceError

log = logging.getLogger(__name__)

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Upload too large",
    429: "Too many attempts",
    500: "Something went wrong",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _back_url() -> str | None:
    """The page the request came from, when it is a page of this site (so an error page can lead back to
    the form that sent a too-large upload); never another site's address."""
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url) and referrer.split("?")[0] != request.base_url:
        return referrer
    return None


def render_error(status: int, message: str):
    if _wants_json():
        return jsonify({"detail": message}), status
    return render_template(
        "errors/error.html", status=status, title=TITLES.get(status, "Error"), message=message, back_url=_back_url()
    ), status


def _http_error(error: HTTPException):
    status = error.code or 500
    message = error.description or TITLES.get(status, "Error")
    if status == 413:
        from flask import current_app

        limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) / (1024 * 1024)
        message = f"The upload is larger than the {limit_mb:g} MB limit. Split the file and upload the parts."
    return render_error(status, message)


def _csrf_error(error: CSRFError):
    return render_error(
        400, f"The form could not be accepted ({error.description}). Reload the page and submit it again."
    )


def _permission_denied(error: PermissionDenied):
    return _refused(error)


def _refused(error: ServiceError):
    """A refusal writes nothing: whatever the request had begun is rolled back."""
    from webapp.extensions import db

    db.session.rollback()
    return render_error(error.status, str(error))


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("Unhandled error on %s %s", request.method, request.path)
    from webapp.extensions import db

    db.session.rollback()
    return render_error(500, InternalServerError.description)


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(PermissionDenied, _permission_denied)
    app.register_error_handler(ServiceError, _refused)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
