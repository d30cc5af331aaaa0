"""Test fixtures: the app on SQLite (or PostgreSQL or MySQL with DATABASE_URL), a client that logs in and posts
forms with their CSRF token like a browser, the CLI runner, and a clean database for every test."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings

from tests.databases import server_database
from webapp import create_app
from webapp.extensions import db

# make mutation (mutmut sets MUTANT_UNDER_TEST): the property tests draw the same few examples every run, so a
# mutant's verdict never depends on the draw, and they stay fast over thousands of mutants.
settings.register_profile("mutation", derandomize=True, max_examples=25, database=None)
if "MUTANT_UNDER_TEST" in os.environ:
    settings.load_profile("mutation")

TEST_WEBHOOK_SECRET = "test-webhook-secret"


def pytest_configure(config: pytest.Config) -> None:
    """`make test` compiles the translations first; a bare `pytest` compiles any catalog that is stale."""
    if hasattr(config, "workerinput"):
        return  # xdist workers: the controller compiled them before starting the workers
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in (Path(__file__).parents[1] / "webapp" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            with po_path.open("rb") as po, mo_path.open("wb") as mo:
                write_mo(mo, read_po(po, locale=po_path.parts[-3]))


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return server_database(url)  # under pytest-xdist, a database of this worker's own
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
            "PROCTORING_WEBHOOK_SECRET": TEST_WEBHOOK_SECRET,
            "LOGIN_FAILURE_DELAY_SECONDS": 0.0,  # the slow-down has its own test
            "SERVER_NAME": None,
            "IN_BATCH_SIZE": 7,  # small, so every run crosses every IN batch boundary
            "PLAN_INSERT_BATCH": 5,  # likewise for the plan rows' inserts
            "PLAN_DECIDE_BATCH": 3,  # and for a batched kind's decide batches (duplicates across batches)
            "PLAN_APPLY_BATCH": 5,  # and the apply's savepoints (failing batches get replayed row by row)
            "ROSTER_FULL_SCAN_MIN": 3,  # rosters of 4+ learners (and 3x as many as users) take the full scan
            "CERTIFICATES_COURSE_WIDE_FROM": 4,  # certificate state read course-wide from 4 learners on
            "LIST_USER_WALK_FROM": 3,  # lists of 3+ learners naming a quarter of the users are paged by walking them
            "CSV_OUTPUT_CHUNK_ROWS": 3,  # downloads of 4+ rows stream more than one chunk
            "REDIS_URL": "",  # jobs run in the request (tests/jobs use threads and a real queue on purpose)
            "JOBS_IN_PROCESS": "sync",
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(app: Flask) -> Iterator[None]:
    """Every test starts with empty tables and a fresh session (works on SQLite and PostgreSQL)."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def app_ctx(app: Flask) -> Flask:
    """Services are called inside the app context the autouse fixture already pushed."""
    return app


class StaffClient(FlaskClient):
    """A test client that behaves like a browser: logs in through /login, sends the CSRF token."""

    _csrf: str | None = None

    def csrf_token(self) -> str:
        if self._csrf is None:
            page = super().get("/login", follow_redirects=True)  # the login form, or the logout form
            match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data)
            assert match, "no CSRF token on the page"
            self._csrf = match.group(1).decode()
        return self._csrf

    def login(self, username: str, password: str = "edx", **kwargs):
        self._csrf = None
        response = self.post("/login", data={"username": username, "password": password}, **kwargs)
        self._csrf = None  # the session changed; fetch a fresh token next time
        return response

    def post(self, *args, data=None, csrf: bool = True, **kwargs):
        if csrf and isinstance(data, dict | type(None)):
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf_token())
        return super().post(*args, data=data, **kwargs)

    def soup(self, url: str, expect: int = 200, **kwargs) -> BeautifulSoup:
        response = self.get(url, **kwargs)
        assert response.status_code == expect, (response.status_code, response.data[:500])
        return BeautifulSoup(response.data, "html.parser")


@pytest.fixture
def client(app: Flask) -> StaffClient:
    app.test_client_class = StaffClient
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()
