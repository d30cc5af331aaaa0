"""Hostile JSON through the webhook, the catalog upload, the replay upload and their CLI commands:
never a 500, never a traceback, and no data written (a refused file, or a preview of nothing)."""

from __future__ import annotations

import io

import pytest

from tests.builders import make_user
from tests.conftest import TEST_WEBHOOK_SECRET
from tests.hostile.corpus import JSON_CORPUS, snapshot
from webapp.extensions import db
from webapp.services.proctoring.signing import sign_headers

PLAN_TABLES = {"plans", "plan_rows", "jobs"}  # a preview of nothing is a plan (and the job that made it), not data


def data_only(counts: dict[str, int]) -> dict[str, int]:
    return {table: n for table, n in counts.items() if table not in PLAN_TABLES}


@pytest.fixture
def staff():
    make_user("staff", is_staff=True)
    db.session.commit()


@pytest.mark.parametrize("name", list(JSON_CORPUS))
def test_webhook_answers_4xx_json_and_writes_nothing(client, staff, name):
    body = JSON_CORPUS[name]()
    before = snapshot()
    response = client.post(
        "/api/proctoring/v1/reviews",
        data=body,
        csrf=False,
        content_type="application/json",
        headers=sign_headers(body, TEST_WEBHOOK_SECRET),
    )
    assert response.status_code in (400, 404, 413), response.status_code
    assert response.is_json and response.json["detail"]
    assert snapshot() == before


@pytest.mark.parametrize("name", list(JSON_CORPUS))
def test_upload_pages_refuse_or_preview_nothing(client, staff, name):
    content = JSON_CORPUS[name]()
    client.login("staff")
    before = snapshot()
    doors = [
        ("/academies/sync", {"source": "upload", "file": (io.BytesIO(content), "catalog.json")}),
        ("/proctoring/replay", {"file": (io.BytesIO(content), "payloads.json")}),
    ]
    for url, form in doors:
        response = client.post(url, data=form, content_type="multipart/form-data")
        assert response.status_code in (302, 400, 413), (url, response.status_code)
        assert b"Traceback" not in response.data
        if response.status_code == 302:
            assert "/plans/" in response.headers["Location"]
            plan = client.soup(response.headers["Location"]).get_text()
            assert "Nothing to apply" in plan or "Apply" not in plan
    assert data_only(snapshot()) == data_only(before)


@pytest.mark.parametrize("name", list(JSON_CORPUS))
def test_cli_commands_refuse_or_write_nothing(runner, staff, tmp_path, name):
    path = tmp_path / "input.json"
    path.write_bytes(JSON_CORPUS[name]())
    before = snapshot()
    for args in (
        ["academies", "sync", "--source", str(path), "--deactivate-missing", "--as", "staff"],
        ["proctoring", "ingest", str(path), "--as", "staff"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code in (0, 1), (args, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
    assert data_only(snapshot()) == data_only(before)
