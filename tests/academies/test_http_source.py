"""The HTTP catalog source against a real HTTP server on loopback (http.server in a thread)."""

from __future__ import annotations

import json

import pytest

from tests.academies.builders import (
    CatalogServer,
    academy,
    academy_count,
    cli_sync,
    make_academy,
    plan_count,
    send,
    slow,
)

CATALOG = {"results": [{"name": "Over HTTP", "catalog_query_uuid": "5b8e2f4c-1d3a-4c6e-9f0a-7b2d4e6f8a1c"}]}


@pytest.fixture(autouse=True)
def _staff(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "CATALOG_API_TOKEN", "s3cret-token")
    monkeypatch.setitem(app.config, "CATALOG_TIMEOUT_SECONDS", 0.5)
    return world


def test_200_syncs_and_sends_the_bearer_token(runner):
    server = CatalogServer(lambda handler, _n: send(handler, 200, json.dumps(CATALOG)))
    with server.running():
        code, data = cli_sync(runner, server.url)
    assert code == 0, data
    assert data["counts"]["create"] == 1
    assert academy("Over HTTP").catalog_query_uuid == "5b8e2f4c-1d3a-4c6e-9f0a-7b2d4e6f8a1c"
    (request,) = server.requests
    assert request["headers"]["Authorization"] == "Bearer s3cret-token"
    assert request["path"] == "/api/v1/academies/"


def test_the_configured_url_is_used_when_no_source_is_given(runner, app, monkeypatch):
    server = CatalogServer(lambda handler, _n: send(handler, 200, json.dumps(CATALOG)))
    monkeypatch.setitem(app.config, "CATALOG_ACADEMIES_URL", server.url)
    with server.running():
        code, data = cli_sync(runner, None, "--dry-run")
    assert code == 0 and data["counts"]["create"] == 1
    assert len(server.requests) == 1


def test_no_token_no_authorization_header(runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "CATALOG_API_TOKEN", "")
    server = CatalogServer(lambda handler, _n: send(handler, 200, "[]"))
    with server.running():
        code, _ = cli_sync(runner, server.url)
    assert code == 0
    assert "Authorization" not in server.requests[0]["headers"]


@pytest.mark.parametrize("status", [500, 401, 404])
def test_http_errors_are_refused_and_nothing_is_written(runner, status):
    make_academy("Existing")
    server = CatalogServer(lambda handler, _n: send(handler, status, '{"detail": "boom"}'))
    with server.running():
        code, output = cli_sync(runner, server.url, "--deactivate-missing")
    assert code == 1
    assert f"HTTP {status}" in output and "Nothing was changed" in output
    assert plan_count() == 0 and academy_count() == 1 and academy("Existing").is_active
    assert len(server.requests) == 1  # an HTTP error is an answer, not a connection error: no retry


def test_a_timeout_is_refused(runner):
    server = CatalogServer(slow(2.0, CATALOG))
    with server.running():
        code, output = cli_sync(runner, server.url)
    assert code == 1
    assert "did not answer within 0.5 seconds" in output
    assert plan_count() == 0 and academy_count() == 0


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("<html>Service unavailable</html>", "is not valid JSON: Expecting value at line 1, column 1."),
        ("", "is empty: expected JSON."),
        ('{"results": [', "is not valid JSON: Expecting value at line 1, column 14."),
        (b"\xff\xfe{}", "is not UTF-8 text (bad byte at position 0)."),
    ],
)
def test_non_json_is_refused(runner, body, problem):
    server = CatalogServer(lambda handler, _n: send(handler, 200, body, "text/html"))
    with server.running():
        code, output = cli_sync(runner, server.url)
    assert code == 1
    assert output.strip() == f"Error: The catalog at {server.url} {problem}"
    assert plan_count() == 0


def test_a_wrong_shape_is_refused(runner):
    server = CatalogServer(lambda handler, _n: send(handler, 200, '"just a string"'))
    with server.running():
        code, output = cli_sync(runner, server.url)
    assert code == 1 and "wrong shape" in output and plan_count() == 0


def test_one_retry_on_a_connection_error(runner):
    def drop_first(handler, n):
        if n == 1:  # close the connection without an answer
            handler.close_connection = True
            handler.connection.shutdown(2)
            return
        send(handler, 200, json.dumps(CATALOG))

    server = CatalogServer(drop_first)
    with server.running():
        code, data = cli_sync(runner, server.url)
    assert code == 0, data
    assert len(server.requests) == 2
    assert academy("Over HTTP") is not None


def test_a_connection_error_twice_is_refused(runner):
    def always_drop(handler, _n):
        handler.close_connection = True
        handler.connection.shutdown(2)

    server = CatalogServer(always_drop)
    with server.running():
        code, output = cli_sync(runner, server.url)
    assert code == 1 and "Could not connect" in output
    assert len(server.requests) == 2 and plan_count() == 0


def test_a_configured_url_must_be_http(runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "CATALOG_ACADEMIES_URL", "file:///etc/passwd")
    code, output = cli_sync(runner, None)
    assert code == 1 and "must start with http:// or https://" in output and plan_count() == 0


def test_a_missing_file_is_refused(runner, tmp_path):
    code, output = cli_sync(runner, tmp_path / "nope.json")
    assert code == 1 and "Cannot read the catalog file" in output and plan_count() == 0
