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


def test_a_roster_entry_reads_back_what_it_stored_and_defaults_what_is_missing():
    full = RosterEntry("ann", "late", True, "add", "previous", "3 cells")
    assert full.to_data() == {
        "identifier": "ann",
        "notes": "late",
        "blank": True,
        "op": "add",
        "mode": "previous",
        "problem": "3 cells",
    }
    assert RosterEntry.from_data(full.to_data()) == full
    assert RosterEntry.from_data({}) == RosterEntry("", "", False, "", "", "")
    assert RosterEntry("bob").to_data() == {"identifier": "bob", "notes": "", "blank": False}
