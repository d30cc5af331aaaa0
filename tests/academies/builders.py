"""Builders and doors for the academy tests: stored academies, catalog files, the CLI sync, a loopback catalog."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Plan, PlanRow
from webapp.models.academies import Academy

_seq = itertools.count(1)


def make_academy(name: str, **fields: Any) -> Academy:
    """A stored academy with the fields a catalog item of that name would give, overridden by `fields`."""
    token = name.lower().replace(" ", "_")
    values = {
        "slug": name.lower().replace(" ", "-"),
        "product_key": name.lower().replace(" ", "-"),
        "long_name": name,
        "stripe_price_lookup_key": f"essentials_{token}_academy_yearly",
        "is_active": True,
        "display_order": 0,
        **fields,
    }
    academy = Academy(name=name, **values)
    db.session.add(academy)
    db.session.commit()
    return academy


def academy(name: str) -> Academy | None:
    db.session.expire_all()
    return db.session.scalar(select(Academy).where(func.lower(Academy.name) == name.lower()))


def academy_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Academy)) or 0


def write_catalog(tmp_path: Path, payload: Any) -> Path:
    path = tmp_path / f"catalog-{next(_seq)}.json"
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload), encoding="utf-8")
    return path


def cli_sync(runner, source: str | Path | None, *args: str, as_user: str = "staff") -> tuple[int, dict | str]:
    """Run `academies sync --json`; returns (exit code, parsed JSON or the raw output)."""
    argv = ["academies", "sync", "--as", as_user, "--json", *args]
    if source is not None:
        argv += ["--source", str(source)]
    result = runner.invoke(args=argv)
    try:
        return result.exit_code, json.loads(result.output)
    except ValueError:
        return result.exit_code, result.output


def sync_file(runner, tmp_path: Path, payload: Any, *args: str) -> dict:
    """Sync (applied, unless --dry-run is passed) from a catalog file; fails the test if refused."""
    code, data = cli_sync(runner, write_catalog(tmp_path, payload), *args)
    assert code == 0, data
    return data


def plan_rows(plan_id: int) -> list[PlanRow]:
    return list(db.session.scalars(select(PlanRow).where(PlanRow.plan_id == plan_id).order_by(PlanRow.row_number)))


def plan_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Plan)) or 0


class CatalogServer:
    """A real HTTP server on loopback; `respond(handler)` decides each answer. Records every request."""

    def __init__(self, respond: Callable[[BaseHTTPRequestHandler, int], None]):
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append({"path": self.path, "headers": dict(self.headers)})
                respond(self, len(server.requests))

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/api/v1/academies/"

    @contextmanager
    def running(self) -> Iterator[CatalogServer]:
        thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()


def send(
    handler: BaseHTTPRequestHandler, status: int, body: bytes | str, content_type: str = "application/json"
) -> None:
    data = body.encode() if isinstance(body, str) else body
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def slow(seconds: float, payload: Any) -> Callable[[BaseHTTPRequestHandler, int], None]:
    def respond(handler: BaseHTTPRequestHandler, _n: int) -> None:
        time.sleep(seconds)
        with suppress(OSError):
            send(handler, 200, json.dumps(payload))

    return respond
