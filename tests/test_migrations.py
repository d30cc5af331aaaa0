"""`flask db upgrade` brings an empty database to exactly the schema the models describe."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from tests.databases import server_database
from webapp.database import database_url, include_object
from webapp.extensions import db

ROOT = Path(__file__).resolve().parents[1]


def _empty_database(tmp_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres", "mysql", "mariadb")):
        return f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    return server_database(url, "migrations")


def _engine_url(url: str) -> str:
    return database_url(url)


def _schema_differences(url: str) -> list:
    engine = create_engine(_engine_url(url))
    try:
        with warnings.catch_warnings(), engine.connect() as connection:
            # SQLite cannot reflect expression indexes; the behaviour test below covers them.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_object(connection.dialect)}
            )
            diffs = compare_metadata(context, db.metadata)
    finally:
        engine.dispose()
    # Expression indexes (lower(username) …) are created by the migrations but not compared by Alembic.
    return [d for d in diffs if not (d[0] in {"add_index", "remove_index"} and "lower" in str(d[1].expressions))]


def test_upgrade_then_downgrade_on_an_empty_database(tmp_path):
    url = _empty_database(tmp_path)
    env = {**os.environ, "DATABASE_URL": url}
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "db"]
    upgrade = subprocess.run([*flask, "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert upgrade.returncode == 0, upgrade.stderr
    assert _schema_differences(url) == []
    downgrade = subprocess.run(
        [*flask, "downgrade", "base"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert downgrade.returncode == 0, downgrade.stderr


@pytest.mark.parametrize("column", ["username", "email"])
def test_migrated_schema_refuses_a_case_variant_duplicate(tmp_path, column):
    url = _empty_database(tmp_path)
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
    )
    engine = create_engine(_engine_url(url))
    insert = text(
        "INSERT INTO users (username, email, full_name, password_hash, is_staff, is_active, created, "
        "session_token) VALUES (:u, :e, '', '', false, true, CURRENT_TIMESTAMP, 't')"
    )
    try:
        with engine.begin() as connection:
            connection.execute(insert, {"u": "Ada", "e": "ada@example.com"})
        variant = (
            {"u": "ADA", "e": "other@example.com"} if column == "username" else {"u": "bob", "e": "ADA@Example.com"}
        )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert, variant)
    finally:
        engine.dispose()
