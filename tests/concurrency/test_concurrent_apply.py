"""Concurrency over real gunicorn workers and PostgreSQL: applies happen once, plans never collide."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import pytest

from tests.concurrency.conftest import Server, Session

pytestmark = pytest.mark.postgres
COURSE = "course-v1:Conc+C+1"


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together by a barrier; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def plan_roster(server: Server, tmp_path, learners: range, notes: str) -> int:
    roster = tmp_path / f"roster-{notes}.csv"
    roster.write_text("".join(f"l{i:03d},{notes}\n" for i in learners))
    result = server.cli(
        "certificates", "import-exceptions", str(roster), "--course", COURSE, "--as", "staff", "--dry-run", "--json"
    )
    return json.loads(result.stdout)["plan_id"]


def test_the_same_plan_applied_from_two_workers_is_applied_once(gunicorn_server: Server, tmp_path):
    plan_id = plan_roster(gunicorn_server, tmp_path, range(0, 20), "first")
    alice, bob = Session(gunicorn_server.url), Session(gunicorn_server.url)
    alice.login("staff")
    bob.login("staff2")
    statuses = at_once(lambda: alice.post(f"/plans/{plan_id}/apply")[0], lambda: bob.post(f"/plans/{plan_id}/apply")[0])
    assert statuses == [302, 302]
    [(status,)] = gunicorn_server.sql("SELECT status FROM plans WHERE id = %s", plan_id)
    assert status == "applied"
    [(applies,)] = gunicorn_server.sql(
        "SELECT count(*) FROM audit_events WHERE action = 'plan.apply' AND plan_id = %s", plan_id
    )
    assert applies == 1
    [(entries,)] = gunicorn_server.sql(
        "SELECT count(*) FROM allowlist_entries a JOIN users u ON u.id = a.user_id WHERE u.username < 'l020'"
    )
    assert entries == 20


def test_two_plans_over_the_same_learners_leave_a_consistent_allowlist(gunicorn_server: Server, tmp_path):
    first = plan_roster(gunicorn_server, tmp_path, range(30, 50), "same")
    second = plan_roster(gunicorn_server, tmp_path, range(30, 50), "same")
    alice, bob = Session(gunicorn_server.url), Session(gunicorn_server.url)
    alice.login("staff")
    bob.login("staff2")
    at_once(lambda: alice.post(f"/plans/{first}/apply"), lambda: bob.post(f"/plans/{second}/apply"))
    statuses = dict(gunicorn_server.sql("SELECT id, status FROM plans WHERE id IN (%s, %s)", first, second))
    assert sorted(statuses.values()) == ["applied", "stale"], statuses
    [(entries,)] = gunicorn_server.sql(
        "SELECT count(*) FROM allowlist_entries a JOIN users u ON u.id = a.user_id "
        "WHERE u.username BETWEEN 'l030' AND 'l049'"
    )
    assert entries == 20
    [(failed,)] = gunicorn_server.sql(
        "SELECT count(*) FROM plan_rows WHERE plan_id IN (%s, %s) AND outcome = 'failed'", first, second
    )
    assert failed == 0
