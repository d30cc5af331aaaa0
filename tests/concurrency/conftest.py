"""Real gunicorn workers on loopback over PostgreSQL (or MySQL/MariaDB when the suite runs on it), for the
concurrency tests.

The server gets its own database (`<test db>_concurrency`), migrated with `flask db upgrade` and
loaded with a small data spec through the CLI, exactly as a deployment would be.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bench.http_session import Session  # noqa: F401  (re-exported for the tests)
from bench.servers import gunicorn
from tests.databases import server_database
from webapp.database import database_url

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVER_URL = os.environ.get("CONCURRENCY_DATABASE_URL") or (
    os.environ["DATABASE_URL"]
    if os.environ.get("DATABASE_URL", "").startswith(("postgres", "mysql", "mariadb"))
    else "postgresql://postgres@127.0.0.1:5432/test"
)
SECRET = "concurrency-webhook-secret"


def _server_database() -> str:
    """A fresh database next to the test one, so the server never shares tables with the test run."""
    try:
        return server_database(SERVER_URL, "concurrency")
    except Exception as error:  # psycopg's or PyMySQL's OperationalError: no server there
        pytest.fail(
            f"The concurrency tests need a database server at {SERVER_URL} "
            f"(run .ci/ensure-postgres or .ci/ensure-mariadb): {error}"
        )


def flask_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class Server:
    url: str
    env: dict[str, str]

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        result = flask_cli(self.env, *args, stdin=stdin)
        assert result.returncode in (0, 1), result.stderr
        return result

    def sql(self, query: str, *params: object) -> list[tuple]:
        """Run one statement (%s placeholders: psycopg and PyMySQL alike) on the server's database and commit it;
        the rows it returns (none for a DELETE)."""
        engine = create_engine(database_url(self.env["DATABASE_URL"]))
        try:
            with engine.begin() as connection:
                result = connection.exec_driver_sql(query, params)
                return [tuple(row) for row in result.fetchall()] if result.returns_rows else []
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def gunicorn_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    database = _server_database()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "SECRET_KEY": "concurrency-secret",
        "PROCTORING_WEBHOOK_SECRET": SECRET,
        "LOGIN_MAX_FAILURES": "1000",
    }
    upgrade = flask_cli(env, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    spec = tmp_path_factory.mktemp("spec") / "spec.yaml"
    learners = "\n".join(f"  - {{username: l{i:03d}, email: l{i:03d}@example.com}}" for i in range(60))
    enrollments = "\n".join(
        f'  - {{username: l{i:03d}, course: "course-v1:Conc+C+1", mode: verified}}' for i in range(60)
    )
    spec.write_text(
        f"users:\n  - {{username: staff, email: staff@example.com, password: edx, is_staff: true}}\n"
        f"  - {{username: staff2, email: staff2@example.com, password: edx, is_staff: true}}\n{learners}\n"
        f'courses:\n  - {{id: "course-v1:Conc+C+1", name: Concurrency}}\nenrollments:\n{enrollments}\n'
        f'exams:\n  - {{course: "course-v1:Conc+C+1", content_id: final, name: Final}}\n'
        f'attempts:\n  - {{course: "course-v1:Conc+C+1", content_id: final, username: l059, '
        f"status: submitted, attempt_code: CONC-ATTEMPT-1, external_id: LOC59}}\n"
    )
    loaded = flask_cli(env, "data", "load", str(spec))
    assert loaded.returncode == 0, loaded.stderr + loaded.stdout
    with gunicorn(env, str(BIN / "gunicorn")) as url:
        yield Server(url, env)
