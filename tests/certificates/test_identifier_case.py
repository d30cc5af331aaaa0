"""Case-insensitive, and nothing more: identifiers match usernames and emails through lower() on SQLite, PostgreSQL
and MySQL alike. Accents, ß and trailing spaces count (MySQL's usual collations would ignore them); the unique
indexes on lower(username) and lower(email) agree."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from tests.builders import enroll, make_user
from tests.certificates.helpers import allowlist, plan_id_of, rows_of, upload, world_with_learners
from webapp.extensions import db


@pytest.fixture
def w():
    world = world_with_learners(0)
    for name in ("José", "Straße", "Дмитрий", "ada", "ada "):
        world[name] = make_user(name, email=f"{name.strip()}{len(name)}@example.org")
        enroll(world[name], world["course_a"])
    db.session.commit()
    return world


@pytest.mark.parametrize("scan", [False, True], ids=["batched-in", "full-scan"])
def test_a_roster_matches_case_only(client, w, monkeypatch, scan):
    if scan:  # the roster names a large share of all users: one scan, lowered in Python
        monkeypatch.setattr("webapp.services.rosters.FULL_SCAN_MIN", 0)
    client.login("staff")
    roster = "JOSÉ,1\njose,2\nstrasse,3\nSTRAßE,4\nДМИТРИЙ,5\nADA,6\nJOSE\u0301,7\n".encode()
    plan_id = plan_id_of(upload(client, roster))
    rows = rows_of(plan_id)
    assert [(n, r.action, r.code) for n, r in sorted(rows.items())] == [
        (1, "create", ""),
        (2, "error", "unknown_learner"),  # é is not e
        (3, "error", "unknown_learner"),  # ß is not ss
        (4, "create", ""),
        (5, "create", ""),
        (6, "create", ""),  # ada, never "ada " (no trailing-space padding)
        (7, "error", "unknown_learner"),  # e + combining acute is not é: code points, no normalisation
    ]
    client.post(f"/plans/{plan_id}/apply")
    assert allowlist(w["course_a"]) == {"José": "1", "Straße": "4", "Дмитрий": "5", "ada": "6"}


@pytest.mark.parametrize(
    ("taken", "other", "refused"),
    [
        ("Ada", "ADA", True),
        ("José", "JOSÉ", True),
        ("José", "Jose", False),
        ("Straße", "Strasse", False),
        ("ada", "ada ", False),
    ],
)
def test_usernames_are_unique_by_lower_case_only(app_ctx, taken, other, refused):
    make_user(taken, email="first@example.org")
    db.session.commit()
    if refused:
        with pytest.raises(IntegrityError):
            make_user(other, email="second@example.org")
        db.session.rollback()
    else:
        make_user(other, email="second@example.org")
        db.session.commit()
    assert sorted(db.session.scalars(db.select(db.text("username")).select_from(db.text("users")))) == sorted(
        [taken] if refused else [taken, other]
    )
