"""The provider's review payload (SoftwareSecure / PSI format), validated field by field (domain §2.1)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from webapp.services import jsonio
from webapp.services.errors import ServiceError
from webapp.statuses import ProviderReviewStatus, ReviewStatus

# Fields never stored anywhere (reviews, history, plan rows, logs), at any depth of the payload: the learner's
# photo, the exam password (examApiData.examPassword) and the video link (redacted, as the platform does).
NEVER_STORED = frozenset({"userPhotoBase64String", "examPassword", "videoReviewLink"})
MAX_SECONDS = 10**7  # a comment's times and duration (an exam is hours long, not months)

STANDARD_STATUS = {
    ProviderReviewStatus.CLEAN: ReviewStatus.PASSED,
    ProviderReviewStatus.RULES_VIOLATION: ReviewStatus.VIOLATION,
    ProviderReviewStatus.SUSPICIOUS: ReviewStatus.SUSPICIOUS,
    ProviderReviewStatus.NOT_REVIEWED: ReviewStatus.NOT_REVIEWED,
}
PROVIDER_STATUS = {standard: provider for provider, standard in STANDARD_STATUS.items()}


class PayloadError(ServiceError):
    """The body is not a valid review payload; the message names the field."""

    status = 400


@dataclass(frozen=True)
class CommentIn:
    source: str  # webcam | desktop
    start: int
    stop: int
    duration: int
    comment: str
    status: str


@dataclass(frozen=True)
class ReviewPayload:
    attempt_code: str
    record_locator: str
    provider_status: ProviderReviewStatus
    video_link: str  # validated, then redacted: in memory only, never stored nor shown
    reviewed_by: str  # email of a human reviewer, or ""
    comments: tuple[CommentIn, ...]
    stored_raw: dict[str, Any] = field(hash=False, compare=False)

    @property
    def standard_status(self) -> ReviewStatus:
        return STANDARD_STATUS[self.provider_status]


def parse_body(body: bytes) -> ReviewPayload:
    """Bytes of a request body -> a validated payload (400 on bad UTF-8, bad JSON or a bad field)."""
    return validate(jsonio.decode_json(body, what="The body", error=PayloadError))


def validate(data: Any) -> ReviewPayload:
    """A decoded JSON value -> a validated payload; the first problem found is raised, naming its field."""
    if not isinstance(data, dict):
        raise PayloadError(f"The body must be a JSON object, not {_type(data)}.")
    if "\\u0000" in json.dumps(data):
        raise PayloadError("The body contains a NUL character (\\u0000), which cannot be stored.")
    meta = data.get("examMetaData")
    if meta is None:
        raise PayloadError("Field examMetaData is missing.")
    if not isinstance(meta, dict):
        raise PayloadError(f"Field examMetaData must be an object, not {_type(meta)}.")
    attempt_code = _text(meta, "examCode", "examMetaData.examCode", required=True)
    locator = _text(meta, "ssiRecordLocator", "examMetaData.ssiRecordLocator", required=True)
    raw_status = _text(data, "reviewStatus", "reviewStatus", required=True)
    try:
        provider_status = ProviderReviewStatus(raw_status)
    except ValueError:
        raise PayloadError(
            f"Field reviewStatus: unexpected reviewStatus value {raw_status!r} (expected one "
            f"of {', '.join(s.value for s in ProviderReviewStatus)})."
        ) from None
    video_link = _text(data, "videoReviewLink", "videoReviewLink", required=False)  # checked, then redacted
    if video_link and not video_link.lower().startswith(("https://", "http://")):
        raise PayloadError("Field videoReviewLink must be an http(s) URL (it is not stored: links are redacted).")
    reviewed_by = _text(data, "reviewed_by", "reviewed_by", required=False)
    if reviewed_by and "@" not in reviewed_by:
        reviewed_by = ""  # not an email: treated as no reviewer (domain §2.1)
    comments = (*_comments(data, "webCamComments", "webcam"), *_comments(data, "desktopComments", "desktop"))
    stored = redact(data)
    return ReviewPayload(
        attempt_code=attempt_code,
        record_locator=locator,
        provider_status=provider_status,
        video_link=video_link,
        reviewed_by=reviewed_by,
        comments=comments,
        stored_raw=stored,
    )


def redact(value: Any) -> Any:
    """A deep copy of a payload without the fields that are never stored (NEVER_STORED), at any depth."""
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items() if k not in NEVER_STORED}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return copy.deepcopy(value)


def _type(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "text",
        bool: "a boolean",
        type(None): "null",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def _text(container: dict, key: str, name: str, *, required: bool) -> str:
    value = container.get(key)
    if value is None:
        if required:
            raise PayloadError(f"Field {name} is missing.")
        return ""
    if not isinstance(value, str):
        raise PayloadError(f"Field {name} must be text, not {_type(value)}.")
    value = value.strip()
    if required and not value:
        raise PayloadError(f"Field {name} must not be empty.")
    return value


def _number(entry: dict, key: str, name: str) -> int:
    value = entry.get(key, 0)
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise PayloadError(f"Field {name} must be a number of seconds, not a boolean.")
    number: float | None = None
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or number != number or not 0 <= number <= MAX_SECONDS:
        raise PayloadError(
            f"Field {name} must be a number of seconds from 0 to {MAX_SECONDS}, not {str(value)[:40]!r}."
        )
    return int(number)


def _comments(data: dict, key: str, source: str) -> list[CommentIn]:
    entries = data.get(key)
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise PayloadError(f"Field {key} must be a list, not {_type(entries)}.")
    result = []
    for index, entry in enumerate(entries):
        where = f"{key}[{index}]"
        if not isinstance(entry, dict):
            raise PayloadError(f"Field {where} must be an object, not {_type(entry)}.")
        comment = entry.get("comments", "")
        status = entry.get("eventStatus", "")
        if not isinstance(comment, str) or not isinstance(status, str):
            bad = "comments" if not isinstance(comment, str) else "eventStatus"
            raise PayloadError(f"Field {where}.{bad} must be text.")
        result.append(
            CommentIn(
                source=source,
                start=_number(entry, "eventStart", f"{where}.eventStart"),
                stop=_number(entry, "eventFinish", f"{where}.eventFinish"),
                duration=_number(entry, "duration", f"{where}.duration"),
                comment=comment,
                status=status[:40],
            )
        )
    return result
