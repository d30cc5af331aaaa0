"""Hostile JSON through the webhook, the catalog upload, the replay upload and their CLI commands:
never a 500, never a traceback, and no data written (a refused file, or a preview of nothing)."""

from __future__ import annotations

import io

import pytest

from tests.builders import make_user
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.hostile.corpus import JSON_CORPUS, refusals, snapshot
from webapp.extensions import db
from webapp.models import Plan
from webapp.services.proctoring.signing import sign_headers

PLAN_TABLES = {"plans", "plan_rows", "jobs"}  # a preview of nothing is a plan (and the job that made it), not data


def data_only(counts: dict[str, int]) -> dict[str, int]:
    return {table: n for table, n in counts.items() if table not in PLAN_TABLES}


@pytest.fixture
def staff():
    make_user("staff", is_staff=True)
    db.session.commit()


NOT_UTF8 = "{what} is not UTF-8 text (bad byte at position {at})."
NESTED = "{what} cannot be stored: it is nested too deeply."
LONE = "cannot be stored: field “name” contains an unpaired surrogate (\\ud800–\\udfff), which cannot be stored."
# The one answer each hostile body gets: the webhook's 400 detail (its `what` is "The body"), the academy
# sync's refusal (upload and CLI; `what` names the file), and the replay's (upload and CLI). None: the file
# parses and is previewed (the sync: no rows; the replay: one error row naming the bad field).
ANSWERS: dict[str, tuple[str, str | None, str | None]] = {
    "binary": (
        NOT_UTF8.format(what="{what}", at=1),
        NOT_UTF8.format(what="{what}", at=1),
        "{name} is not UTF-8 text (byte 1).",
    ),
    "deeply nested": (
        NESTED,
        NESTED,
        "{name} cannot be stored: it is nested too deeply.",
    ),
    "deeply nested objects": (
        NESTED,
        NESTED,
        "{name} cannot be stored: it is nested too deeply.",
    ),
    "not JSON": (
        "{what} is not valid JSON: Expecting value at line 1, column 1.",
        "{what} is not valid JSON: Expecting value at line 1, column 1.",
        "{name} is neither JSON nor JSON lines: line 1: line 1 is not valid JSON: Expecting value at line 1, column 1.",
    ),
    "invalid UTF-8": (
        NOT_UTF8.format(what="{what}", at=23),
        NOT_UTF8.format(what="{what}", at=23),
        "{name} is not UTF-8 text (byte 23).",
    ),
    "wrong types everywhere": ("Field examMetaData must be an object, not a list.", None, None),
    "huge number": (
        "{what} cannot be stored: a number has too many digits.",
        "{what} cannot be stored: a number has too many digits.",
        "{name} cannot be stored: a number has too many digits.",
    ),
    "NaN": (
        "{what} is not valid JSON here: NaN is not a JSON number.",
        "{what} is not valid JSON here: NaN is not a JSON number.",
        "{name} is neither JSON nor JSON lines: line 1: line 1 is not valid JSON here: NaN is not a JSON number.",
    ),
    "empty": (
        "{what} is empty: expected JSON.",
        "{what} is empty: expected JSON.",
        "{name} is empty: it has no payloads.",
    ),
    "null": (
        "The body must be a JSON object, not null.",
        "{what} answered JSON of the wrong shape: expected a list of academies or an object with a list under "
        "results, items, academies, catalogs, got NoneType.",
        "{name} must hold a payload object, a list of payloads or JSON lines.",
    ),
    "lone surrogate": (
        "{what} " + LONE,
        "{what} " + LONE,
        "{name} " + LONE,
    ),
}


def test_every_hostile_body_has_its_answer():
    assert set(ANSWERS) == set(JSON_CORPUS)


@pytest.mark.parametrize("name", list(JSON_CORPUS))
def test_webhook_answers_400_with_its_detail_and_writes_nothing(client, staff, name):
    body = JSON_CORPUS[name]()
    before = snapshot()
    response = client.post(
        "/api/proctoring/v1/reviews",
        data=body,
        csrf=False,
        content_type="application/json",
        headers=sign_headers(body, TEST_WEBHOOK_SECRET),
    )
    assert response.status_code == 400, response.status_code
    assert response.is_json and response.json == {"detail": ANSWERS[name][0].format(what="The body")}
    assert snapshot() == before


@pytest.mark.parametrize("name", list(JSON_CORPUS))
def test_upload_pages_refuse_with_their_message_or_preview_nothing(client, staff, name):
    content = JSON_CORPUS[name]()
    _, sync_answer, replay_answer = ANSWERS[name]
    client.login("staff")
    before = snapshot()
    doors = [
        ("/academies/sync", {"source": "upload", "file": (io.BytesIO(content), "catalog.json")}, sync_answer),
        ("/proctoring/replay", {"file": (io.BytesIO(content), "payloads.json")}, replay_answer),
    ]
    for url, form, answer in doors:
        response = client.post(url, data=form, content_type="multipart/form-data")
        if answer is None:  # previewed: a plan that writes nothing
            assert response.status_code == 302, (url, response.status_code)
            plan_id = int(response.headers["Location"].rsplit("/", 1)[1])
            plan = db.session.get(Plan, plan_id)
            assert plan.write_count == 0
            assert plan.counts["error"] == (1 if url == "/proctoring/replay" else 0)
        else:
            assert response.status_code == 400, (url, response.status_code)
            expected = answer.format(what="The file catalog.json", name="payloads.json")
            assert refusals(response) == [expected], url
    assert data_only(snapshot()) == data_only(before)


@pytest.mark.parametrize("name", list(JSON_CORPUS))
def test_cli_commands_refuse_with_exit_1_and_their_message_or_write_nothing(runner, staff, tmp_path, name):
    path = tmp_path / "input.json"
    path.write_bytes(JSON_CORPUS[name]())
    _, sync_answer, replay_answer = ANSWERS[name]
    before = snapshot()
    for args, answer in (
        (["academies", "sync", "--source", str(path), "--deactivate-missing", "--as", "staff"], sync_answer),
        (["proctoring", "ingest", str(path), "--as", "staff"], replay_answer),
    ):
        result = runner.invoke(args=args)
        if answer is None:
            assert result.exit_code == 0, (args, result.output)
            assert "written 0, failed 0" in result.output
        else:
            assert result.exit_code == 1, (args, result.output)
            expected = answer.format(what=f"The file {path}", name="input.json")
            assert result.output.strip() == f"Error: {expected}", args
    assert data_only(snapshot()) == data_only(before)
