"""Error pages (HTML) and JSON errors (API); never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from webapp.services.errors import PermissionDenied, ServiceError
from webapp.services.messages import N_, rule_message

log = logging.getLogger(__name__)

TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Upload too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}
ERROR = _l("Error")

# Error messages are English (the JSON API answers in English); an error page shows them through
# `translated`. Werkzeug's and Flask-WTF's own messages, marked here so that they have a translation:
N_("The browser (or proxy) sent a request that this server could not understand.")
N_(
    "You don't have the permission to access the requested resource. It is either read-protected or not "
    "readable by the server."
)
N_(
    "The requested URL was not found on the server. If you entered the URL manually please check your "
    "spelling and try again."
)
N_("The method is not allowed for the requested URL.")
N_(
    "A conflict happened while processing the request. The resource might have been modified while the "
    "request was being processed."
)
N_("This user has exceeded an allotted request count. Try again later.")
N_(
    "The server encountered an internal error and was unable to complete your request. Either the server is "
    "overloaded or there is an error in the application."
)
N_("The CSRF token is missing.")
N_("The CSRF session token is missing.")
N_("The CSRF token has expired.")
N_("The CSRF token is invalid.")
N_("The CSRF tokens do not match.")
N_("The referrer header is missing.")
N_("The referrer does not match the host.")


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
        "errors/error.html", status=status, title=str(TITLES.get(status, ERROR)), message=message, back_url=_back_url()
    ), status


def _http_error(error: HTTPException):
    status = error.code or 500
    message = error.description or str(TITLES.get(status, ERROR))
    if status == 413:
        from flask import current_app

        limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) / (1024 * 1024)
        message = rule_message(
            "The upload is larger than the {limit} MB limit. Split the file and upload the parts.",
            limit=format(limit_mb, "g"),
        )
    return render_error(status, message)


def _csrf_error(error: CSRFError):
    return render_error(
        400,
        rule_message(
            "The form could not be accepted ({reason}). Reload the page and submit it again.",
            reason=error.description,
        ),
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
