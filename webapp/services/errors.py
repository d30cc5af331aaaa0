"""Service errors: messages staff can read; views turn them into a flash or an error page."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal with a message that says what and where. `status` is the HTTP status it maps to."""

    status = 400


class NotFound(ServiceError):
    status = 404


class PermissionDenied(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409
