"""Roster items built from learners given one by one (a form, the inverse of a plan): numbered from 1 in
order, each with its identifier and notes (unit level: the forms give one learner without notes)."""

from __future__ import annotations

from webapp.services.rosters import RosterEntry, learner_items


def test_learner_items_number_rows_from_one_and_keep_identifier_and_notes():
    items = learner_items([("ann", "Medical leave"), ("bob@example.org", "")])
    assert [(i.row, i.cells, RosterEntry.from_data(i.data)) for i in items] == [
        (1, ["ann", "Medical leave"], RosterEntry("ann", "Medical leave")),
        (2, ["bob@example.org"], RosterEntry("bob@example.org", "")),
    ]
