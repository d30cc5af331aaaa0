"""Video links are redacted and the photo and exam password never stored (domain §2.1), through the
webhook, the review page, replay plan rows and the migration of rows stored before."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from tests.builders import make_course, make_user
from tests.proctoring.builders import SAMPLE_CODE, SAMPLE_LOCATOR, make_attempt, make_exam, payload, post_signed
from tests.test_migrations import _empty_database, _engine_url
from webapp.extensions import db
from webapp.models import PlanRow
from webapp.models.proctoring import Review, ReviewHistory

SECRETS = ("hunter2-exam-password", "cGhvdG8tb2YtdGhlLWxlYXJuZXI=", "https://provider.example/video/xyz")
ROOT = Path(__file__).resolve().parents[2]


def _secret_payload(status: str = "Suspicious", **extra) -> dict:
    data = payload(status=status, userPhotoBase64String=SECRETS[1], videoReviewLink=SECRETS[2], **extra)
    data["examApiData"]["examPassword"] = SECRETS[0]
    return data


@pytest.fixture
def attempt(app):
    make_user("staff", is_staff=True)
    course = make_course("course-v1:edX+DemoX+Demo_Course")
    attempt = make_attempt(
        make_exam(course, name="Midterm"), make_user("ada"), "submitted", code=SAMPLE_CODE, external_id=SAMPLE_LOCATOR
    )
    db.session.commit()
    return attempt


def _leaks(value) -> list[str]:
    dumped = json.dumps(value)
    return [s for s in SECRETS if s in dumped] + [
        f for f in ("examPassword", "userPhotoBase64String", "videoReviewLink") if f in dumped
    ]


def test_callback_stores_no_password_photo_or_video_link_and_the_page_shows_none(client, attempt, allow_review_updates):
    assert post_signed(client, _secret_payload("Suspicious")).status_code == 200
    assert post_signed(client, _secret_payload("Clean")).status_code == 200  # the first version goes to history
    review = db.session.scalar(select(Review))
    history = db.session.scalar(select(ReviewHistory))
    assert _leaks(review.raw_data) == [] and _leaks(history.raw_data) == []
    assert review.raw_data["examApiData"]["examName"] == "Midterm"  # the rest of the payload is kept
    client.login("staff")
    page = client.get(f"/proctoring/reviews/{SAMPLE_CODE}").get_data(as_text=True)
    assert not [s for s in SECRETS if s in page]


def test_replay_plan_rows_hold_no_password_photo_or_video_link(client, attempt):
    line = json.dumps(_secret_payload("Clean"))
    broken = '{"examApiData": {"examPassword": "' + SECRETS[0] + '"'  # not JSON: its text must not be kept
    client.login("staff")
    response = client.post(
        "/proctoring/replay",
        data={"file": (io.BytesIO(f"{line}\n{broken}\n".encode()), "backlog.jsonl")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    rows = db.session.scalars(select(PlanRow).order_by(PlanRow.row_number)).all()
    assert [r.action for r in rows] == ["create", "error"]
    for row in rows:
        assert _leaks([row.cells, row.data, row.message, row.before, row.after]) == []
    client.post(f"/plans/{rows[0].plan_id}/apply", data={})
    db.session.expire_all()
    assert db.session.scalar(select(Review.review_status)) == "Clean"
    assert _leaks(db.session.scalar(select(Review.raw_data))) == []


def test_the_migration_redacts_rows_stored_before(tmp_path):
    url = _empty_database(tmp_path)
    env = {**os.environ, "DATABASE_URL": url}
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "db", "upgrade"]
    subprocess.run([*flask, "41c3a94a3919"], cwd=ROOT, env=env, capture_output=True, check=True)
    engine = create_engine(_engine_url(url))
    key, row_number = map(engine.dialect.identifier_preparer.quote, ("key", "row_number"))  # reserved on MySQL
    raw = json.dumps(_secret_payload())
    try:
        with engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO users (id, username, email, full_name, password_hash, is_staff, is_active, created, "
                    "session_token) VALUES (1, 'ada', 'ada@example.com', '', '', false, true, CURRENT_TIMESTAMP, 't')"
                )
            )
            c.execute(
                text(
                    "INSERT INTO proctoring_reviews (id, attempt_code, review_status, raw_data, video_url, "
                    "staff_note, created, modified) VALUES (1, 'C1', 'Suspicious', :raw, :video, '', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"raw": raw, "video": SECRETS[2]},
            )
            c.execute(
                text(
                    "INSERT INTO proctoring_review_history (id, review_id, attempt_code, review_status, raw_data, "
                    "video_url, staff_note, created, modified, archived) VALUES (1, 1, 'C1', 'Clean', :raw, :video, "
                    "'', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"raw": raw, "video": SECRETS[2]},
            )
            c.execute(
                text(
                    "INSERT INTO plans (id, kind, status, params, source_name, counts, outcome_counts, created, "
                    "expires, message) VALUES (1, 'proctoring_replay', 'previewed', '{}', 'x.jsonl', '{}', '{}', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '')"
                )
            )
            for row_id, cells, data in (
                (1, ["C1", "Suspicious"], {"payload": json.loads(raw)}),
                (2, [raw[:200], ""], {"error": "line 2 is not valid JSON"}),
            ):
                c.execute(
                    text(
                        f"INSERT INTO plan_rows (id, plan_id, {row_number}, cells, data, {key}, label, action, code, "
                        "message, outcome, outcome_message) VALUES (:id, 1, :id, :cells, :data, '', '', 'create', "
                        "'', '', '', '')"
                    ),
                    {"id": row_id, "cells": json.dumps(cells), "data": json.dumps(data)},
                )
        subprocess.run(flask, cwd=ROOT, env=env, capture_output=True, check=True)
        with engine.connect() as c:
            stored = [
                *c.execute(text("SELECT raw_data FROM proctoring_reviews")).scalars(),
                *c.execute(text("SELECT raw_data FROM proctoring_review_history")).scalars(),
                *c.execute(text("SELECT cells FROM plan_rows")).scalars(),
                *c.execute(text("SELECT data FROM plan_rows")).scalars(),
            ]
            columns = {r[0] for r in c.execute(text("SELECT * FROM proctoring_reviews")).cursor.description} | {
                r[0] for r in c.execute(text("SELECT * FROM proctoring_review_history")).cursor.description
            }
            kept = c.execute(text("SELECT raw_data FROM proctoring_reviews")).scalar_one()
            kept = json.loads(kept) if isinstance(kept, str) else kept
    finally:
        engine.dispose()
    assert len(stored) == 6  # the history row survived the table rebuild (SQLite)
    assert _leaks([json.loads(s) if isinstance(s, str) else s for s in stored]) == []
    assert "video_url" not in columns
    assert kept["overAllComments"] == _secret_payload()["overAllComments"]
