"""Thirty wrong passwords posted at once to real gunicorn workers check at most the budget of passwords."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.servers import gunicorn
from tests.concurrency.conftest import Server, Session
from tests.concurrency.test_concurrent_apply import at_once

pytestmark = pytest.mark.postgres
BIN = Path(sys.executable).parent
BUDGET = 5


def test_parallel_guesses_cannot_overrun_the_budget(gunicorn_server: Server):
    env = {**gunicorn_server.env, "LOGIN_MAX_FAILURES": str(BUDGET), "LOGIN_FAILURE_DELAY_SECONDS": "0"}
    with gunicorn(env, str(BIN / "gunicorn")) as url:
        sessions = [Session(url) for _ in range(30)]
        for session in sessions:
            session.token()  # each guesser has its own session and CSRF token, fetched beforehand

        def guess(session: Session) -> int:
            form = {"username": "staff2", "password": "not-the-password", "csrf_token": session.token()}
            return session.request("POST", "/login", form)[0]

        statuses = at_once(*[lambda s=s: guess(s) for s in sessions])
    assert sorted(statuses) == [401] * BUDGET + [429] * (30 - BUDGET), statuses
    checked = gunicorn_server.sql(
        "SELECT count(*) FROM audit_events WHERE action = 'login.failed' AND actor_name = 'staff2'"
    )
    assert checked == [(BUDGET,)]  # one audited failure per password actually checked
    gunicorn_server.sql("DELETE FROM login_throttles")  # the other tests log in as staff2
