"""The migration that scrubs clear-text passwords already stored in data-spec plan rows (`flask db upgrade`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.test_migrations import ROOT, _empty_database, _engine_url

ENTRY = {"username": "staff", "email": "staff@example.com", "password": "Clear-Text-s3cret"}


def _db(url: str, *args: str) -> None:
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "db", *args]
    subprocess.run(flask, cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, capture_output=True, check=True)


def test_upgrade_replaces_clear_text_passwords_in_data_spec_plan_rows_with_a_marker(tmp_path):
    url = _empty_database(tmp_path)
    _db(url, "upgrade", "41c3a94a3919")  # the schema before the scrub
    engine = create_engine(_engine_url(url))
    key, row_number = map(engine.dialect.identifier_preparer.quote, ("key", "row_number"))  # reserved on MySQL
    plan = (
        "INSERT INTO plans (id, kind, status, params, source_name, counts, outcome_counts, created, expires, message) "
        "VALUES (:id, :kind, 'previewed', '{}', 'spec.yaml', '{}', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '')"
    )
    row = (
        f"INSERT INTO plan_rows (plan_id, {row_number}, cells, data, {key}, label, action, code, message, outcome, "
        "outcome_message) VALUES (:plan, :number, :cells, :data, '', '', 'create', '', '', '', '')"
    )
    users = {"file": "spec.yaml", "entity": "users", "index": 1, "entry": ENTRY}
    courses = {"file": "spec.yaml", "entity": "courses", "index": 1, "entry": {"id": "A/B/C", "name": "password"}}
    other = {"username": "x", "password": "not-a-data-spec"}  # another kind's row is left alone
    try:
        with engine.begin() as connection:
            connection.execute(text(plan), {"id": 1, "kind": "data_spec"})
            connection.execute(text(plan), {"id": 2, "kind": "other_kind"})
            for plan_id, number, data in ((1, 1, users), (1, 2, courses), (2, 1, other)):
                connection.execute(
                    text(row),
                    {"plan": plan_id, "number": number, "cells": json.dumps(["spec.yaml"]), "data": json.dumps(data)},
                )

        _db(url, "upgrade")

        with engine.connect() as connection:
            stored = {
                (p, n): json.loads(d) if isinstance(d, str) else d
                for p, n, d in connection.execute(text(f"SELECT plan_id, {row_number}, data FROM plan_rows"))
            }
    finally:
        engine.dispose()
    assert stored[(1, 1)]["entry"] == {**ENTRY, "password": {"(redacted)": "migration"}}
    assert "Clear-Text-s3cret" not in json.dumps(list(stored.values()))
    assert stored[(1, 2)] == courses
    assert stored[(2, 1)] == other
