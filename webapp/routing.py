"""URL converters: course keys in both formats, including the deprecated one with slashes."""

from __future__ import annotations

import re

from werkzeug.routing import BaseConverter, IntegerConverter

COURSE_KEY_PATTERN = r"course-v1:[^/+\s]+\+[^/+\s]+\+[^/+\s]+|[^/\s:]+/[^/\s]+/[^/\s]+"
COURSE_KEY_RE = re.compile(rf"^(?:{COURSE_KEY_PATTERN})$")


def is_course_key(value: str) -> bool:
    """True when value has the shape of a course key (current or deprecated format)."""
    return bool(COURSE_KEY_RE.match(value or ""))


class CourseKeyConverter(BaseConverter):
    """Matches `course-v1:Org+Course+Run` and `Org/Course/Run` as one URL segment group."""

    regex = COURSE_KEY_PATTERN
    part_isolating = False

    def to_url(self, value: str) -> str:
        # Keep the slashes of the deprecated form readable; quote everything else.
        from urllib.parse import quote

        return quote(value, safe="/:+")


class IdConverter(IntegerConverter):
    """A database id in a URL: a positive integer the database can hold (larger ones are a 404, not a 500)."""

    def __init__(self, map, *args, **kwargs):  # werkzeug's signature
        super().__init__(map, *args, min=1, max=2**31 - 1, **kwargs)
