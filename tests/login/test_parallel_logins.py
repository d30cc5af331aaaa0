"""Parallel wrong passwords in threads (each request in its own app context and database session, as in
separate workers) check at most the budget of passwords: the slot is taken before the hash check."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests.builders import staff_world
from webapp.extensions import db
from webapp.models import AuditEvent

PARALLEL = 30


@pytest.fixture
def counted_checks(monkeypatch):
    import webapp.services.auth as auth

    checks: list[str] = []
    real = auth.check_password_hash

    def counting(stored: str, password: str) -> bool:
        checks.append(stored)
        return real(stored, password)

    monkeypatch.setattr(auth, "check_password_hash", counting)
    return checks


def test_thirty_parallel_guesses_check_at_most_the_budget(app, client, counted_checks):
    staff_world()
    budget = app.config["LOGIN_MAX_FAILURES"]
    clients = [app.test_client() for _ in range(PARALLEL)]
    tokens = []
    for other in clients:
        with app.app_context():  # its own `g`: Flask-WTF caches the token there
            tokens.append(other.csrf_token())
    barrier = threading.Barrier(PARALLEL)
    statuses: list[int] = [0] * PARALLEL

    def guess(index: int) -> None:
        barrier.wait()
        form = {"username": "staff", "password": "wrong", "csrf_token": tokens[index]}
        statuses[index] = clients[index].post("/login", data=form, csrf=False).status_code

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [401] * budget + [429] * (PARALLEL - budget), statuses
    assert len(counted_checks) == budget
    failures = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login.failed")
    assert db.session.scalar(failures) == budget
