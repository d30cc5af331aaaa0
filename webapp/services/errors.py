"""Service errors: messages staff can read; views turn them into a flash or an error page.

Views catch only `InputRefused` (input a person can fix: the message goes on the form or in a flash);
every other `ServiceError` (403, 404, 409…) reaches the app-level handlers in `webapp/errors.py`.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal with a message that says what and where. `status` is the HTTP status it maps to."""

    status = 400


class InputRefused(ServiceError):
    """The input was refused and a person can fix it (a form field, a file, one row's rule)."""

    status = 400


class NotFound(ServiceError):
    status = 404


class PermissionDenied(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409
