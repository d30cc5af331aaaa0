"""The hostile sweep: every route of the app (from `app.url_map`) × hostile values in every path segment,
query parameter and form field, as global staff: never a 5xx. Runs on SQLite and on PostgreSQL
(DATABASE_URL), in a few seconds."""

from __future__ import annotations

import re

import pytest

from tests.builders import enroll, make_course, make_user
from webapp.extensions import db

COURSE = "course-v1:Sweep+S+1"
HOSTILE = {
    "NUL": "a\x00b",
    "huge int": "9" * 40,
    "negative": "-1",
    "10k chars": "x" * 10_000,
    "calendar limit": "9999-12-31T23:59:59-14:00",
    "wildcards": "%_%",
    "unicode": "Zoë 漢字 \u202e\U0001f600",
}
# Every parameter name the views read (query strings and forms), all set at once.
PARAMS = [
    "q",
    "page",
    "state",
    "filter",
    "action",
    "effect",
    "errors_first",
    "as_of",
    "exam",
    "status",
    "review_status",
    "course",
    "customer",
    "view",
    "grade",
    "reason",
    "actor",
    "since",
    "until",
    "next",
    "enable",
    "decision",
    "note",
    "notes",
    "identifier",
    "back",
    "unreviewed",
    "unreviewed_failures",
    "source",
    "academy",
    "deactivate_missing",
    "scope",
    "regenerate",
    "encoding",
    "only_changes",
    "username",
    "password",
    "confirm",
]
PLACEHOLDER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path(rule: str, value: str) -> str:
    """The rule with every placeholder filled: a hostile course key keeps the key's shape."""

    def fill(match: re.Match[str]) -> str:
        converter = match.group(1)
        if converter == "course_key":
            return f"course-v1:Sweep+S+{value}" if "/" not in value else COURSE
        if converter == "id":
            return value if value.isdigit() else "1"
        return value

    return PLACEHOLDER.sub(fill, rule)


@pytest.fixture
def world():
    course = make_course(COURSE)
    make_user("staff", is_staff=True)
    enroll(make_user("alice"), course)
    db.session.commit()


@pytest.mark.parametrize("name", list(HOSTILE))
def test_no_route_answers_5xx_to_hostile_values(app, client, world, name):
    value = HOSTILE[name]
    client.login("staff")
    failures = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = _path(rule.rule, value)
        values = dict.fromkeys(PARAMS, value)
        if "GET" in rule.methods:
            response = client.get(path, query_string=values)
            if response.status_code >= 500:
                failures.append(("GET", path[:80], response.status_code))
        if "POST" in rule.methods and rule.endpoint not in ("auth.logout",):
            response = client.post(path, data=values, query_string=values)
            if response.status_code >= 500:
                failures.append(("POST", path[:80], response.status_code))
    assert failures == []
