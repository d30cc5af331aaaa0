"""The callback's signature (domain §2.1): HMAC-SHA256 over `timestamp + "." + body`, with a time window."""

from __future__ import annotations

import hashlib
import hmac
import time

from webapp.services.errors import ServiceError

TIMESTAMP_HEADER = "X-Proctoring-Timestamp"
SIGNATURE_HEADER = "X-Proctoring-Signature"
PREFIX = "sha256="


class Unauthorized(ServiceError):
    """The callback is not signed, or not signed right, or too old."""

    status = 401


def signature(body: bytes, secret: str, timestamp: int | str) -> str:
    """The header value `sha256=<hex>` for this body and timestamp."""
    message = str(timestamp).encode() + b"." + body
    return PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_headers(body: bytes, secret: str, now: float | None = None) -> dict[str, str]:
    """Both headers a provider sends with this body, signed now."""
    if not secret:
        raise ServiceError("PROCTORING_WEBHOOK_SECRET is not set: there is no secret to sign with.")
    timestamp = int(time.time() if now is None else now)
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(body, secret, timestamp)}


def verify(
    body: bytes, timestamp: str | None, provided: str | None, *, secret: str, max_skew: int, now: float | None = None
) -> None:
    """Refuse (401) a missing or wrong signature and a timestamp outside the allowed window."""
    if not secret:
        raise Unauthorized("The webhook secret is not configured on this server; callbacks are refused.")
    if not timestamp or not provided:
        missing = TIMESTAMP_HEADER if not timestamp else SIGNATURE_HEADER
        raise Unauthorized(f"Missing header {missing}: the callback must be signed.")
    try:
        sent_at = int(timestamp.strip())
    except ValueError:
        raise Unauthorized(f"Header {TIMESTAMP_HEADER} must be unix seconds, not {timestamp[:40]!r}.") from None
    current = time.time() if now is None else now
    if current - sent_at > max_skew:
        raise Unauthorized(
            f"Header {TIMESTAMP_HEADER} is {int(current - sent_at)} seconds old (more than "
            f"{max_skew}): the callback is refused as a replay."
        )
    if sent_at - current > max_skew:
        raise Unauthorized(f"Header {TIMESTAMP_HEADER} is in the future; check the sender's clock.")
    expected = signature(body, secret, timestamp.strip())
    if not hmac.compare_digest(expected.encode(), provided.strip().lower().encode()):
        raise Unauthorized(f"Header {SIGNATURE_HEADER} does not match the body: wrong secret or altered body.")
