"""After a demo load and a proctoring replay (planned and applied), no table holds a clear-text demo password,
a learner's photo, an exam password or a video link: every column of every table is searched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.proctoring.builders import payload
from webapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
DEMO_SPEC = ROOT / "webapp" / "demo" / "spec.yaml"
DEMO_PASSWORD = "edx"  # webapp/demo/core.yaml
MARKED_PASSWORD = "Clear-Text-Marker-7f3a"
PHOTO = "cGhvdG8tb2YtdGhlLWxlYXJuZXItbWFya2Vy"
EXAM_PASSWORD = "exam-password-marker-91c2"
VIDEO = "https://provider.example/video/marker-5d1e"
# The demo's attempt of the sample callback (webapp/demo/proctoring.yaml): learner004's Midterm.
DEMO_CODE, DEMO_LOCATOR = "3F1D0C52-7B7A-4C1E-9E0B-6B5C2A8D9E10", "56A2B9F1C0D3E"


def strings(value: Any) -> list[str]:
    """Every text in a stored value, JSON columns walked (keys too)."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value]
        return [value, *strings(parsed)] if isinstance(parsed, dict | list) else [value]
    if isinstance(value, dict):
        return [text for k, v in value.items() for text in (str(k), *strings(v))]
    if isinstance(value, list | tuple):
        return [text for v in value for text in strings(v)]
    return []


def every_stored_text() -> list[tuple[str, str, str]]:
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            for column, value in row._mapping.items():
                found.extend((table.name, str(column), text) for text in strings(value))
    return found


def test_a_demo_load_and_a_replay_leave_no_secret_in_any_table(runner, tmp_path):
    loaded = runner.invoke(args=["data", "load", str(DEMO_SPEC)])
    assert loaded.exit_code == 0, loaded.output
    extra = tmp_path / "extra.yaml"
    extra.write_text(f"users:\n  - {{username: marked, email: marked@example.com, password: {MARKED_PASSWORD}}}\n")
    for options in (["--dry-run"], []):
        result = runner.invoke(args=["data", "load", str(extra), *options])
        assert result.exit_code == 0, result.output

    replay = payload(DEMO_CODE, DEMO_LOCATOR, "Suspicious", userPhotoBase64String=PHOTO, videoReviewLink=VIDEO)
    replay["examApiData"]["examPassword"] = EXAM_PASSWORD
    replay["examApiData"]["organization"] = replay["examMetaData"]["organization"] = "edX"  # not the password
    broken = json.dumps(replay)[:-1]  # a JSON-lines line that is not JSON: its text is not kept either
    backlog = tmp_path / "backlog.jsonl"
    backlog.write_text(json.dumps(replay) + "\n" + broken + "\n")
    for options in (["--dry-run"], []):
        result = runner.invoke(args=["proctoring", "ingest", str(backlog), "--as", "staff", "--json", *options])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["counts"]["error"] == 1

    texts = every_stored_text()
    assert {table for table, _, _ in texts} >= {"users", "plans", "plan_rows", "proctoring_reviews", "audit_events"}
    leaks = [
        (table, column, text[:80])
        for table, column, text in texts
        if text == DEMO_PASSWORD
        or any(secret in text for secret in (MARKED_PASSWORD, PHOTO, EXAM_PASSWORD, VIDEO))
        or text in ("examPassword", "userPhotoBase64String", "videoReviewLink", "password")
    ]
    assert leaks == [], leaks
