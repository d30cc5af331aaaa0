"""The provider's signed review callback: JSON in, JSON out, no session, no CSRF (it signs itself)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from webapp.extensions import csrf
from webapp.services.errors import ServiceError
from webapp.services.proctoring import reviews
from webapp.services.proctoring.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER

bp = Blueprint("api", __name__, url_prefix="/api")


class BodyTooLarge(ServiceError):
    status = 413


@bp.route("/proctoring/v1/reviews", methods=["POST"])
@csrf.exempt
def proctoring_review():
    """POST a SoftwareSecure/PSI review, signed with X-Proctoring-Timestamp and X-Proctoring-Signature."""
    limit = int(current_app.config.get("PROCTORING_MAX_BODY_BYTES", 2 * 1024 * 1024))
    body = request.stream.read(limit + 1) if (request.content_length or 0) <= limit else b"x" * (limit + 1)
    if len(body) > limit:
        raise BodyTooLarge(f"The body is larger than the {limit:,} byte limit.")
    result = reviews.receive_callback(
        body, request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER)
    )
    return jsonify(result.as_json())
