"""Learner rosters: `username_or_email[,notes]` CSV files turned into plan items, and the learner checks
every roster operation shares (domain §1.3): blank rows, bad format, unknown learner, duplicate rows.

A roster kind calls `roster_items()` when planning an upload, then `triage()` inside its `decide()`:
triage settles the rows that fail the shared checks and hands back the rest with their resolved user,
so the kind only adds its own rules (not enrolled, on the allowlist…).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from flask import current_app
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import User
from webapp.services.batching import chunks
from webapp.services.csvio import CsvRefused, RecordKind, read_csv
from webapp.services.plans import Decision, Item
from webapp.statuses import Action

ROSTER_COLUMNS = ("username_or_email", "notes")
FULL_SCAN_MIN = 5000  # identifiers in a roster above which a scan of the users table may be cheaper


def roster_items(stream: BinaryIO, *, encoding: str = "utf-8") -> list[Item]:
    """Every row of a roster CSV as an item (header left out); refuses a file with no learner rows."""
    # The cells say everything about a roster row (see identifier_of / notes_of / is_blank): no per-row
    # dict repeating them, in memory or in the stored plan.
    items = [
        Item(record.row, record.cells, {})
        for record in read_csv(
            stream,
            encoding=encoding,
            max_rows=current_app.config["CSV_MAX_ROWS"],
            max_bytes=current_app.config.get("MAX_CONTENT_LENGTH"),
        )
        if record.kind != RecordKind.HEADER
    ]
    if not any(not is_blank(item) for item in items):
        raise CsvRefused(
            "The file has no learner rows: put one username or email per row (an optional second column holds notes)."
        )
    return items


def identifier_of(row: Item | Any) -> str:
    """The learner a roster row names: `data["identifier"]` when given, else its first cell (stripped)."""
    if "identifier" in row.data:
        return row.data["identifier"]
    return row.cells[0].strip() if row.cells else ""


def notes_of(row: Item | Any) -> str:
    """A roster row's notes: `data["notes"]` when given, else its second cell (stripped)."""
    if "notes" in row.data:
        return row.data["notes"]
    return row.cells[1].strip() if len(row.cells) > 1 else ""


def is_blank(row: Item | Any) -> bool:
    """A row with no cells (a blank line, or only empty cells)."""
    return bool(row.data["blank"]) if "blank" in row.data else not row.cells


def learner_items(identifiers: Iterable[tuple[str, str]]) -> list[Item]:
    """Items for learners given one by one (a form, or the inverse of a plan): (identifier, notes)."""
    return [
        Item(
            row,
            [identifier, notes] if notes else [identifier],
            {"identifier": identifier, "notes": notes, "blank": False},
        )
        for row, (identifier, notes) in enumerate(identifiers, start=1)
    ]


@dataclass(frozen=True, slots=True)
class Learner:
    """What a roster needs of a user: cheap to build by the hundred thousand (no ORM object)."""

    id: int
    username: str
    email: str


def find_learners(identifiers: Iterable[str]) -> dict[str, Learner]:
    """Learners by lower-cased identifier (usernames, or emails when it has '@').

    Batched IN queries; when the roster names a large share of all users, one scan of three columns is
    cheaper than a hundred IN queries.
    """
    usernames: set[str] = set()
    emails: set[str] = set()
    for identifier in identifiers:
        key = identifier.strip().lower()
        if key:
            (emails if "@" in key else usernames).add(key)
    found: dict[str, Learner] = {}
    wanted = len(usernames) + len(emails)
    if wanted > FULL_SCAN_MIN and wanted * 3 > (db.session.scalar(select(func.count()).select_from(User)) or 0):
        for row in db.session.execute(select(User.id, User.username, User.email)):
            learner = Learner(row.id, row.username, row.email)
            if (name := learner.username.lower()) in usernames:
                found[name] = learner
            if (email := learner.email.lower()) in emails:
                found[email] = learner
        return found
    for column, keys in ((User.username, usernames), (User.email, emails)):
        for batch in chunks(sorted(keys)):
            for row in db.session.execute(
                select(User.id, User.username, User.email).where(func.lower(column).in_(batch))
            ):
                learner = Learner(row.id, row.username, row.email)
                found[(learner.email if column is User.email else learner.username).lower()] = learner
    return found


@dataclass(slots=True)
class Resolved:
    """A roster row that passed the shared checks: the kind decides what happens to this learner."""

    index: int
    item: Item
    user: Learner

    @property
    def notes(self) -> str:
        return notes_of(self.item)


def learner_label(user: User | Learner) -> str:
    return f"{user.username} <{user.email}>"


def triage(items: Sequence[Item]) -> tuple[list[Decision | None], list[Resolved]]:
    """Decide the rows failing the shared checks; return the others resolved, last duplicate winning.

    The first list has one entry per item: a Decision where the shared checks settled the row, None where
    the kind must decide (those are the `Resolved` rows, in input order).
    """
    decisions: list[Decision | None] = [None] * len(items)
    users = find_learners(identifier_of(item) for item in items)
    last_row_of_user: dict[int, int] = {}
    for index, item in enumerate(items):
        identifier = identifier_of(item)
        if is_blank(item):
            decisions[index] = Decision(Action.SKIP, code="blank_row", message="blank row")
        elif len([c for c in item.cells if c.strip()]) > 2:
            decisions[index] = Decision(
                Action.ERROR,
                code="bad_format",
                message=(f"{len(item.cells)} cells; expected username_or_email and optional notes"),
            )
        elif not identifier:
            decisions[index] = Decision(
                Action.ERROR, code="bad_format", message="the first cell is empty; expected a username or email"
            )
        elif identifier.lower() not in users:
            decisions[index] = Decision(
                Action.ERROR,
                key=identifier.lower(),
                code="unknown_learner",
                message=f"{identifier} does not exist; check the spelling",
            )
        else:
            last_row_of_user[users[identifier.lower()].id] = index
    resolved: list[Resolved] = []
    for index, item in enumerate(items):
        if decisions[index] is not None:
            continue
        user = users[identifier_of(item).lower()]
        winner = last_row_of_user[user.id]
        if winner != index:
            decisions[index] = Decision(
                Action.SKIP,
                key=str(user.id),
                label=learner_label(user),
                code="duplicate_row",
                message=f"same learner as row {items[winner].row}, which supersedes this row",
            )
        else:
            resolved.append(Resolved(index, item, user))
    return decisions, resolved


def merge(decisions: list[Decision | None], decided: dict[int, Decision]) -> list[Decision]:
    """Fill the kind's decisions (by item index) into the shared ones; every item gets exactly one."""
    merged = []
    for index, decision in enumerate(decisions):
        final = decision if decision is not None else decided.get(index)
        if final is None:
            raise RuntimeError(f"no decision for item {index}")
        merged.append(final)
    return merged
