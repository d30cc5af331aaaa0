"""The same signed review callback posted by several workers at once stores one review."""

from __future__ import annotations

import json

import pytest

from bench.http_session import Session
from tests.concurrency.conftest import SECRET, Server
from tests.concurrency.test_concurrent_apply import at_once
from webapp.services.proctoring.signing import sign_headers

pytestmark = pytest.mark.postgres


def test_the_same_callback_posted_concurrently_stores_one_review(gunicorn_server: Server):
    body = json.dumps(
        {
            "examMetaData": {"examCode": "CONC-ATTEMPT-1", "ssiRecordLocator": "loc59"},
            "reviewStatus": "Suspicious",
            "videoReviewLink": "https://provider.example/v/1",
            "webCamComments": [
                {
                    "eventStart": 1,
                    "eventFinish": 9,
                    "duration": 8,
                    "comments": "second person",
                    "eventStatus": "Suspicious",
                }
            ],
            "desktopComments": [],
        }
    ).encode()
    headers = {"Content-Type": "application/json", **sign_headers(body, SECRET)}

    def post() -> int:
        status, _, _ = Session(gunicorn_server.url).request(
            "POST", "/api/proctoring/v1/reviews", body=body, headers=headers
        )
        return status

    statuses = at_once(*[post] * 6)
    assert statuses == [200] * 6, statuses
    assert gunicorn_server.sql("SELECT count(*) FROM proctoring_reviews WHERE attempt_code = %s", "CONC-ATTEMPT-1") == [
        (1,)
    ]
    assert gunicorn_server.sql("SELECT count(*) FROM proctoring_review_comments") == [(1,)]
    assert gunicorn_server.sql("SELECT count(*) FROM proctoring_support_notifications") == [(1,)]
    assert gunicorn_server.sql("SELECT status FROM exam_attempts WHERE attempt_code = %s", "CONC-ATTEMPT-1") == [
        ("second_review_required",)
    ]
