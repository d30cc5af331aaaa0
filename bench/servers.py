"""Real servers for the load bench and the concurrency tests: a fresh PostgreSQL or MySQL database, and gunicorn."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fresh_database(base_url: str, suffix: str) -> str:
    """Drop and create `<database of base_url>_<suffix>` on the same server (PostgreSQL or MySQL); its URL."""
    parts = urllib.parse.urlsplit(base_url)
    name = f"{parts.path.lstrip('/')}_{suffix}"
    if parts.scheme.startswith(("mysql", "mariadb")):
        import pymysql

        connection = pymysql.connect(
            host=parts.hostname, port=parts.port or 3306, user=parts.username or "root", password=parts.password or ""
        )
        with connection, connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        return parts._replace(path=f"/{name}").geturl()
    import psycopg

    admin = parts._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return parts._replace(path=f"/{name}").geturl()


@contextmanager
def gunicorn(
    env: dict[str, str],
    gunicorn_bin: str,
    workers: int = 4,
    timeout: int = 60,
    start_timeout: float = 120,
    pidfile: Path | None = None,
) -> Iterator[str]:
    """gunicorn serving wsgi:app on a free loopback port until the block ends; yields its base URL. With
    `pidfile`, the master writes its process id there."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            gunicorn_bin,
            *("--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--timeout", str(timeout)),
            *(("--pid", str(pidfile)) if pidfile else ()),
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout  # generous: the test machine may be busy
        while True:
            try:
                if urllib.request.urlopen(f"{url}/healthz", timeout=5).status == 200:
                    break
            except OSError:  # refused, reset or timed out: not up yet
                if time.monotonic() > deadline or process.poll() is not None:
                    process.kill()
                    raise RuntimeError(f"gunicorn did not start: {process.stderr.read().decode()[-2000:]}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
