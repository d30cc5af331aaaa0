"""A row that fails at apply time (a lookup key taken by another writer after the recompute) fails alone."""

from __future__ import annotations

import pytest

from tests.academies.builders import academy, plan_rows, sync_file
from webapp.extensions import db
from webapp.models.academies import Academy
from webapp.services.academies import AcademySyncKind


@pytest.fixture(autouse=True)
def _staff(world):
    return world


def test_a_row_failing_on_the_database_does_not_stop_the_others(runner, tmp_path, monkeypatch):
    decide = AcademySyncKind.decide

    def decide_then_race(self, ctx, items):
        decisions = list(decide(self, ctx, items))
        if ctx.plan is not None:  # the apply's recompute: another writer takes row 2's key right after it
            db.session.add(Academy(name="Intruder", stripe_price_lookup_key="contested_key"))
            db.session.flush()
        return decisions

    monkeypatch.setattr(AcademySyncKind, "decide", decide_then_race)
    data = sync_file(
        runner,
        tmp_path,
        [{"name": "First"}, {"name": "Second", "stripe_price_lookup_key": "contested_key"}, {"name": "Third"}],
    )
    assert data["status"] == "applied"
    assert data["outcomes"] == {"applied": 2, "failed": 1}
    outcomes = {r.label: (r.outcome, r.outcome_message) for r in plan_rows(data["plan_id"])}
    assert outcomes["Second"][0] == "failed" and "uniqueness" in outcomes["Second"][1]
    assert outcomes["First"][0] == outcomes["Third"][0] == "applied"
    assert academy("First") and academy("Third") and academy("Second") is None
