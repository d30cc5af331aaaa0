"""Paged catalog answers (`results` + `next`) and where the bearer token may go, against real loopback servers."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.academies.builders import CatalogServer, academy, academy_count, cli_sync, make_academy, plan_count, send
from webapp.services import catalog

TOKEN = "s3cret-token"


@pytest.fixture(autouse=True)
def _staff(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "CATALOG_API_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "CATALOG_TIMEOUT_SECONDS", 2)
    return world


def _page_number(path: str) -> int:
    return int(parse_qs(urlsplit(path).query).get("page", ["1"])[0])


def paged(pages: list[list[dict]], *, fail: dict[int, int] | None = None, next_of=None):
    """A responder serving `pages` as ?page=N (1-based); `fail` maps a page number to an HTTP status."""

    def respond(handler, _n):
        number = _page_number(handler.path)
        if fail and number in fail:
            send(handler, fail[number], '{"detail": "boom"}')
            return
        base = f"http://127.0.0.1:{handler.server.server_port}/api/v1/academies/"
        link = next_of(number, base) if next_of else (f"{base}?page={number + 1}" if number < len(pages) else None)
        body = {"count": sum(map(len, pages)), "next": link, "previous": None, "results": pages[number - 1]}
        send(handler, 200, json.dumps(body))

    return respond


THREE_PAGES = [[{"name": "Page One"}], [{"name": "Page Two"}], [{"name": "Page Three"}]]


def test_three_pages_are_all_read_and_deactivate_missing_spares_page_three(runner):
    make_academy("Page One")
    make_academy("Page Three")
    make_academy("Gone From The Catalog")
    server = CatalogServer(paged(THREE_PAGES))
    with server.running():
        code, data = cli_sync(runner, server.url, "--deactivate-missing")
    assert code == 0, data
    assert [_page_number(r["path"]) for r in server.requests] == [1, 2, 3]
    assert all(r["headers"].get("Authorization") == f"Bearer {TOKEN}" for r in server.requests)
    assert data["counts"]["create"] == 1 and data["counts"]["deactivate"] == 1
    assert academy("Page Three").is_active and academy("Page One").is_active
    assert academy("Page Two") is not None
    assert not academy("Gone From The Catalog").is_active


def test_a_relative_next_link_is_followed(runner):
    server = CatalogServer(paged(THREE_PAGES, next_of=lambda n, _base: f"?page={n + 1}" if n < 3 else None))
    with server.running():
        code, data = cli_sync(runner, server.url, "--dry-run")
    assert code == 0, data
    assert data["counts"]["create"] == 3


def test_a_500_on_page_two_writes_nothing(runner):
    make_academy("Page Three")
    server = CatalogServer(paged(THREE_PAGES, fail={2: 500}))
    with server.running():
        code, output = cli_sync(runner, server.url, "--deactivate-missing")
    assert code == 1
    assert "Page 2 of the catalog" in output and "?page=2" in output and "HTTP 500" in output
    assert "Nothing was changed" in output
    assert plan_count() == 0 and academy_count() == 1 and academy("Page Three").is_active


def test_a_500_on_page_two_shows_a_readable_error_on_the_page(client, app, monkeypatch):
    make_academy("Page Three")
    server = CatalogServer(paged(THREE_PAGES, fail={2: 500}))
    monkeypatch.setitem(app.config, "CATALOG_ACADEMIES_URL", server.url)
    client.login("staff")
    with server.running():
        response = client.post("/academies/sync", data={"source": "catalog", "deactivate_missing": "y"})
    assert response.status_code == 400
    error = BeautifulSoup(response.data, "html.parser").find(class_="field-error")
    assert error is not None
    assert "Page 2 of the catalog" in error.get_text() and "HTTP 500" in error.get_text()
    assert plan_count() == 0 and academy("Page Three").is_active and academy("Page One") is None


@pytest.mark.parametrize("back_to", [1, 2])
def test_a_next_loop_is_refused(runner, back_to):
    server = CatalogServer(
        paged(THREE_PAGES, next_of=lambda n, base: f"{base}?page={back_to}" if n == 2 else f"{base}?page={n + 1}")
    )
    with server.running():
        code, output = cli_sync(runner, server.url.replace("/academies/", "/academies/?page=1"))
    assert code == 1
    assert "loop" in output and f"?page={back_to}" in output and "Nothing was changed" in output
    assert plan_count() == 0 and academy_count() == 0


def test_an_absurd_page_count_is_refused(runner, monkeypatch):
    monkeypatch.setattr(catalog, "MAX_PAGES", 5)
    server = CatalogServer(paged([[{"name": f"A{n}"}] for n in range(1, 50)]))
    with server.running():
        code, output = cli_sync(runner, server.url)
    assert code == 1 and "more than 5 pages" in output and "Nothing was changed" in output
    assert len(server.requests) == 5 and plan_count() == 0


@pytest.mark.parametrize("link", [42, "ftp://127.0.0.1/next"])
def test_a_next_that_is_not_an_http_url_is_refused(runner, link):
    server = CatalogServer(paged(THREE_PAGES, next_of=lambda n, _base: link if n == 1 else None))
    with server.running():
        code, output = cli_sync(runner, server.url)
    assert code == 1 and "`next`" in output and plan_count() == 0


def _redirect(handler, location: str, status: int = 302) -> None:
    handler.send_response(status)
    handler.send_header("Location", location)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def test_a_redirect_keeps_the_token_on_its_origin_and_never_carries_it_to_another_port(runner):
    other = CatalogServer(lambda handler, _n: send(handler, 200, json.dumps([{"name": "Elsewhere"}])))

    def respond(handler, n):  # first a same-origin move, then off to another port
        _redirect(handler, "/api/v2/academies/", 301) if n == 1 else _redirect(handler, other.url)

    origin = CatalogServer(respond)
    with origin.running(), other.running():
        code, data = cli_sync(runner, origin.url)
    assert code == 0, data
    assert [r["headers"].get("Authorization") for r in origin.requests] == [f"Bearer {TOKEN}"] * 2
    (seen,) = other.requests
    assert "authorization" not in {k.lower() for k in seen["headers"]}
    assert academy("Elsewhere") is not None


def test_a_next_link_to_another_port_never_carries_the_token(runner):
    other = CatalogServer(
        lambda handler, _n: send(handler, 200, json.dumps({"next": None, "results": [{"name": "B"}]}))
    )
    first = CatalogServer(
        lambda handler, _n: send(handler, 200, json.dumps({"next": other.url, "results": [{"name": "A"}]}))
    )
    with first.running(), other.running():
        code, data = cli_sync(runner, first.url)
    assert code == 0, data
    assert first.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    (seen,) = other.requests
    assert "authorization" not in {k.lower() for k in seen["headers"]}
    assert academy("A") is not None and academy("B") is not None


def test_one_academy_found_on_page_three_by_its_uuid(runner):
    uuid = "b48ff396-03b4-467f-a4cc-da4327156984"
    make_academy("Page One")
    pages = [[{"name": "Page One"}], [{"name": "Page Two"}], [{"uuid": uuid, "title": "Page Three"}]]
    server = CatalogServer(paged(pages))
    with server.running():
        code, data = cli_sync(runner, server.url, "--academy", uuid, "--deactivate-missing")
    assert code == 0, data
    assert len(server.requests) == 3
    assert sum(data["counts"].values()) == data["counts"]["create"] == 1
    assert academy("Page Three").catalog_uuid == uuid and academy("Page Two") is None
    assert academy("Page One").is_active


def _on_host(server: CatalogServer, host: str, port: int) -> CatalogServer:
    """The same recording server, bound to another loopback host (and the given port)."""
    from http.server import ThreadingHTTPServer

    handler = server.httpd.RequestHandlerClass
    server.httpd.server_close()
    server.httpd = ThreadingHTTPServer((host, port), handler)
    server.httpd.daemon_threads = True
    server.url = f"http://{host}:{port}/api/v1/academies/"
    return server


def test_a_redirect_to_another_host_on_the_same_port_never_carries_the_token(runner):
    def respond(handler, _n):
        _redirect(handler, other.url)

    origin = CatalogServer(respond)
    port = origin.httpd.server_port
    other = _on_host(CatalogServer(lambda handler, _n: send(handler, 200, "[]")), "127.0.0.2", port)
    with origin.running(), other.running():
        code, data = cli_sync(runner, origin.url)
    assert code == 0, data
    assert origin.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    (seen,) = other.requests
    assert "authorization" not in {k.lower() for k in seen["headers"]}


def test_a_redirect_to_another_name_of_the_same_server_never_carries_the_token(runner):
    def respond(handler, n):  # 127.0.0.1 sends the client to `localhost`: another host as far as the token goes
        if n == 1:
            _redirect(handler, origin.url.replace("127.0.0.1", "localhost") + "?moved=1")
        else:
            send(handler, 200, "[]")

    origin = CatalogServer(respond)
    with origin.running():
        code, data = cli_sync(runner, origin.url)
    assert code == 0, data
    first, moved = origin.requests
    assert first["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert moved["path"].endswith("?moved=1") and "authorization" not in {k.lower() for k in moved["headers"]}
