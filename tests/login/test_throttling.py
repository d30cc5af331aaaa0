"""Login throttling through /login: per (user, address) and per address, never a lock-out from elsewhere."""

from __future__ import annotations

import statistics
import time

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tests.builders import make_user, staff_world
from webapp.extensions import db
from webapp.models import AuditEvent, LoginThrottle


def attempt(client, username: str, password: str, address: str, **headers: str) -> int:
    client._csrf = None
    return client.login(username, password, environ_base={"REMOTE_ADDR": address}, headers=headers).status_code


@pytest.fixture
def world(app):
    return staff_world()


def test_failures_from_one_address_never_lock_the_user_out_from_another(client, app, world):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert attempt(client, "staff", "wrong", "198.51.100.7") == 401
    assert attempt(client, "staff", "edx", "198.51.100.7") == 429  # the guessing pair waits
    client.get("/login")  # (a fresh anonymous session)
    assert attempt(client, "staff", "edx", "192.0.2.10") == 302  # the real user, elsewhere, gets in


def test_the_username_and_the_email_of_one_user_share_one_budget_and_others_at_the_address_do_not_pay(
    client, app, world
):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for n in range(limit):
        assert attempt(client, "staff" if n % 2 else "STAFF@example.com", "wrong", "198.51.100.7") == 401
    assert attempt(client, "staff@example.com", "edx", "198.51.100.7") == 429
    assert attempt(client, "staff", "edx", "198.51.100.7") == 429
    assert attempt(client, "course_staff", "edx", "198.51.100.7") == 302  # same address, another user


def test_unknown_identifiers_count_per_typed_identifier_and_address(client, app, world):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert attempt(client, "ghost", "x", "198.51.100.7") == 401
    assert attempt(client, "ghost", "x", "198.51.100.7") == 429
    assert attempt(client, "ghost", "x", "192.0.2.10") == 401
    assert attempt(client, "phantom", "x", "198.51.100.7") == 401


def test_the_address_budget_is_exact_and_per_address(client, app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_MAX_FAILURES", 7)
    for n in range(7):  # seven different names: no pair reaches its own budget
        assert attempt(client, f"guess{n}", "x", "198.51.100.7") == 401
    assert attempt(client, "staff", "edx", "198.51.100.7") == 429  # the eighth, whoever it is
    assert attempt(client, "staff", "edx", "192.0.2.10") == 302


def test_a_successful_login_gives_its_slots_back(client, app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_MAX_FAILURES", 6)
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        assert attempt(client, "staff", "wrong", "198.51.100.7") == 401
    assert attempt(client, "staff", "edx", "198.51.100.7") == 302
    client.post("/logout")
    assert attempt(client, "staff", "wrong", "198.51.100.7") == 401  # the pair starts again
    assert attempt(client, "course_staff", "edx", "198.51.100.7") == 302  # 5 of 6 failures: still one slot
    client.post("/logout")
    assert attempt(client, "ghost", "x", "198.51.100.7") == 401  # the sixth failure
    assert attempt(client, "course_staff", "edx", "198.51.100.7") == 429


def test_the_window_ends(client, app, world):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        attempt(client, "staff", "wrong", "198.51.100.7")
    assert attempt(client, "staff", "edx", "198.51.100.7") == 429
    for row in db.session.scalars(select(LoginThrottle)):  # as if LOGIN_LOCKOUT_SECONDS had passed
        row.window_start = row.window_start.replace(year=2000)
    db.session.commit()
    assert attempt(client, "staff", "edx", "198.51.100.7") == 302


def test_the_throttle_table_never_holds_what_was_typed(client, world):
    attempt(client, "typed-secret-name", "x", "198.51.100.7")
    keys = db.session.scalars(select(LoginThrottle.key)).all()
    assert len(keys) == 2 and all(len(k) == 64 and "typed" not in k for k in keys)


def test_forwarded_for_is_ignored_without_trusted_proxies(client, app, world):
    assert app.config["TRUSTED_PROXY_COUNT"] == 0
    for n in range(app.config["LOGIN_MAX_FAILURES"]):  # a client cannot pick a fresh address per guess
        assert attempt(client, "staff", "wrong", "198.51.100.7", **{"X-Forwarded-For": f"203.0.113.{n}"}) == 401
    assert attempt(client, "staff", "edx", "198.51.100.7", **{"X-Forwarded-For": "203.0.113.99"}) == 429


def test_behind_one_trusted_proxy_each_client_has_its_own_budget(client, app, world, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_PROXY_COUNT", 1)
    proxy = "10.0.0.2"  # every request comes from the proxy's address
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert attempt(client, "staff", "wrong", proxy, **{"X-Forwarded-For": "6.6.6.6, 203.0.113.5"}) == 401
    assert attempt(client, "staff", "edx", proxy, **{"X-Forwarded-For": "203.0.113.5"}) == 429
    assert attempt(client, "staff", "edx", proxy, **{"X-Forwarded-For": "203.0.113.6"}) == 302
    addresses = set(db.session.scalars(select(AuditEvent.remote_addr).where(AuditEvent.action == "login.failed")))
    assert addresses == {"203.0.113.5"}  # the last address the proxy appended, not the spoofable first one


def test_an_unknown_user_costs_one_hash_check_like_a_known_one(client, world, monkeypatch):
    import webapp.services.auth as auth

    checked: list[str] = []
    real = auth.check_password_hash

    def counting(stored: str, password: str) -> bool:
        checked.append(stored)
        return real(stored, password)

    monkeypatch.setattr(auth, "check_password_hash", counting)
    make_user("nohash", password="").password_hash = ""
    db.session.commit()
    for name in ("ghost", "nohash", "staff"):
        attempt(client, name, "wrong", "198.51.100.7")
    assert len(checked) == 3 and checked[0] == checked[1]  # the same dummy hash for nobody and no password


def test_the_answer_time_does_not_reveal_accounts(client, world):
    user = make_user("realhash")
    user.password_hash = generate_password_hash("right-password")  # the default method, as real users have
    db.session.commit()

    def timed(name: str, address: str) -> float:
        start = time.perf_counter()
        assert attempt(client, name, "wrong", address) == 401
        return time.perf_counter() - start

    attempt(client, "warm-up", "wrong", "192.0.2.99")
    known = statistics.median(timed("realhash", f"192.0.2.{n}") for n in range(4))
    unknown = statistics.median(timed(f"nobody{n}", f"192.0.2.{n}") for n in range(4))
    assert 0.5 < unknown / known < 2.0, (unknown, known)
