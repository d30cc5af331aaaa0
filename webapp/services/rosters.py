"""Learner rosters: `username_or_email[,notes]` CSV files turned into plan items, and the learner checks
every roster operation shares (domain §1.3): blank rows, bad format, unknown learner, duplicate rows.

A roster with a header is read by header name (`ROSTER_HEADER`): the learner column is `username_or_email`,
`email`, `username`, `user`, `learner` or `identifier` (when a file has several, a row takes the first
non-empty in that order: an email names one user for certain), notes come from `notes`, every other column
is ignored. So the plan error report, the allowlist export and the issued-certificates export upload as
they are. Without a header the two-column rule holds. Identifiers resolve as the platform does (domain
§0): an email match wins, else a username match, both case-insensitive.

A roster kind calls `roster_items()` when planning an upload, then `triage()` inside its `decide()`:
triage settles the rows that fail the shared checks and hands back the rest with their resolved user,
so the kind only adds its own rules (not enrolled, on the allowlist…).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, NamedTuple

from flask import current_app
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import User
from webapp.services.batching import chunks
from webapp.services.csvio import (
    IDENTIFIER_HEADERS,
    UNSTORABLE,
    Columns,
    CsvRefused,
    RecordKind,
    read_csv,
    unstorable_text,
)
from webapp.services.messages import rule_message
from webapp.services.plans import Decision, Item, ItemSource, PlanContext, Row
from webapp.statuses import Action

ROSTER_COLUMNS = ("username_or_email", "notes")
ROSTER_HEADER = Columns(((ROSTER_COLUMNS[0], IDENTIFIER_HEADERS), (ROSTER_COLUMNS[1], ("notes",))))
BLANK_ROW = rule_message("blank row")
NO_IDENTIFIER = rule_message("no username or email in this row")
FULL_SCAN_MIN = (
    5000  # default of ROSTER_FULL_SCAN_MIN: identifiers above which a scan of the users table may be cheaper
)


def roster_items(stream: BinaryIO, *, encoding: str, columns: Columns) -> list[Item]:
    """Every row of a roster CSV as an item (header left out); refuses a file with no learner rows.

    `columns` says which header names fill which cell when the file has a header (`ROSTER_HEADER`: learner, notes).
    """
    return list(_read_items(stream, encoding, columns))


def roster_source(stream: BinaryIO, *, encoding: str, columns: Columns = ROSTER_HEADER) -> ItemSource:
    """The rows of a roster CSV as a re-readable input (`plans.ItemSource`): each call reads the file again
    from its start, item by item, so a batched kind plans it without holding it (see `roster_items`)."""
    if not stream.seekable():
        stream = io.BytesIO(stream.read())

    def items() -> Iterator[Item]:
        stream.seek(0)
        return _read_items(stream, encoding, columns)

    return items


def _read_items(stream: BinaryIO, encoding: str, columns: Columns) -> Iterator[Item]:
    # The cells say everything about a roster row (see identifier_of / notes_of / is_blank): no per-row
    # dict repeating them, in memory or in the stored plan.
    learners = False
    for record in read_csv(
        stream,
        encoding=encoding,
        max_rows=current_app.config["CSV_MAX_ROWS"],
        max_bytes=current_app.config.get("MAX_CONTENT_LENGTH"),
        columns=columns,
    ):
        if record.kind == RecordKind.HEADER:
            continue
        item = Item(
            record.row, record.cells, RosterEntry("", problem=record.problem).to_data() if record.problem else {}
        )
        learners = learners or not is_blank(item)
        yield item
    if not learners:
        raise CsvRefused(
            rule_message(
                "The file has no learner rows: put one username or email per row "
                "(an optional second column holds notes)."
            )
        )


LAST_ROWS = "roster_last_rows"  # ctx.cache: {user id: the last row naming that learner}, by `survey`
LEARNERS = "roster_learners"  # ctx.cache: {lower-cased identifier: Learner} of the whole roster, by `survey`


def survey(ctx: PlanContext, items: Iterable[Item]) -> int:
    """A roster kind's first pass (`PlanKind.survey`): the learners the whole roster names, looked up once
    (`find_learners` over every identifier: a large roster takes one scan of the users instead of an IN
    query per batch), and the last row of each, so `triage` can tell a duplicate from its winner in any batch.
    Holds one entry per distinct identifier, never the rows."""
    last_row_of: dict[str, int] = {}
    count = 0
    for item in items:
        count += 1
        identifier, notes, blank = _fields(item)
        if _shared_decision(item, identifier, notes, blank) is None:
            last_row_of[identifier.lower()] = item.row
    users = find_learners(last_row_of)
    last_rows: dict[int, int] = {}
    for key, row in last_row_of.items():
        if (user := users.get(key)) is not None and row > last_rows.get(user.id, 0):
            last_rows[user.id] = row
    ctx.cache[LAST_ROWS] = last_rows
    ctx.cache[LEARNERS] = users
    return count


def identifier_for(user: User | Learner) -> str:
    """The identifier that names exactly this user: the email (an email match wins and emails are unique),
    never the username, which may be someone else's email (domain §0)."""
    return user.email or user.username


class RosterEntry(NamedTuple):
    """The typed payload of a roster row: the learner named, the notes, and what the kind does with them.

    Uploaded rows store no payload (their cells say everything; no per-row dict in memory or in the stored
    plan); rows built by a form or by the inverse of a plan store it as `data` (`to_data()`).
    """

    identifier: str
    notes: str = ""
    blank: bool = False
    op: str = ""  # the revert of an exceptions import: add or remove this learner
    mode: str = ""  # a re-validation: re-validate, or put the previous notes back
    problem: str = ""  # an uploaded row too long or too wide to keep (the reader dropped its cells): why

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"identifier": self.identifier, "notes": self.notes, "blank": self.blank}
        if self.op:
            data["op"] = self.op
        if self.mode:
            data["mode"] = self.mode
        if self.problem:
            data["problem"] = self.problem
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> RosterEntry:
        return cls(
            str(data.get("identifier", "")),
            str(data.get("notes", "")),
            bool(data.get("blank", False)),
            str(data.get("op", "")),
            str(data.get("mode", "")),
            str(data.get("problem", "")),
        )

    @classmethod
    def from_cells(cls, cells: Sequence[Any]) -> RosterEntry:
        """An uploaded row: identifier and notes are its first two cells (stripped)."""
        return cls(
            str(cells[0]).strip() if cells else "",
            str(cells[1]).strip() if len(cells) > 1 else "",
            not cells,
        )

    def item(self, row: int) -> Item:
        """A stored-payload item for this learner (a form, or the inverse of a plan)."""
        return Item.of(row, [self.identifier, self.notes] if self.notes else [self.identifier], self)


def entry_of(row: Row) -> RosterEntry:
    """The roster payload of an item or a stored plan row: its stored payload, or else its cells."""
    return RosterEntry.from_data(row.data) if row.data else RosterEntry.from_cells(row.cells)


def identifier_of(row: Row) -> str:
    """The learner a roster row names."""
    return entry_of(row).identifier


def notes_of(row: Row) -> str:
    """A roster row's notes."""
    return entry_of(row).notes


def is_blank(row: Row) -> bool:
    """A row with no cells (a blank line, or only empty cells)."""
    return entry_of(row).blank


def learner_items(identifiers: Iterable[tuple[str, str]]) -> list[Item]:
    """Items for learners given one by one (a form, or the inverse of a plan): (identifier, notes)."""
    return [RosterEntry(identifier, notes).item(row) for row, (identifier, notes) in enumerate(identifiers, start=1)]


@dataclass(frozen=True, slots=True)
class Learner:
    """What a roster needs of a user: cheap to build by the hundred thousand (no ORM object)."""

    id: int
    username: str
    email: str


def find_learners(identifiers: Iterable[str]) -> dict[str, Learner]:
    """Learners by lower-cased identifier: the user with that email, else the user with that username.

    Both compared case-insensitively (domain §0; a username may contain '@'). Batched IN queries; when the
    roster names a large share of all users, one scan of three columns is cheaper than a hundred IN queries.
    """
    # Text the database cannot hold (a NUL) names nobody: the row gets its own error (see `triage`).
    keys = {_key(identifier) for identifier in identifiers}
    keys.discard("")
    by_email: dict[str, Learner] = {}
    by_username: dict[str, Learner] = {}
    users = User.__table__.c  # Core columns: plain tuples, no ORM row processing for a scan of every user
    columns = (users.id, users.username, users.email)
    full_scan_min = int(current_app.config.get("ROSTER_FULL_SCAN_MIN", FULL_SCAN_MIN))
    if len(keys) > full_scan_min and len(keys) * 3 > (db.session.scalar(select(func.count()).select_from(User)) or 0):
        # A learner object only for the users the roster names, one per user even when both columns match.
        for user_id, username, email in db.session.execute(select(*columns)):
            email_key, name_key = email.lower(), username.lower()
            if email_key in keys or name_key in keys:
                learner = Learner(user_id, username, email)
                if email_key in keys:
                    by_email[email_key] = learner
                if name_key in keys:
                    by_username[name_key] = learner
    else:
        emails = sorted(key for key in keys if "@" in key)  # an email always has one
        for position, wanted, found in ((2, emails, by_email), (1, sorted(keys), by_username)):
            for batch in chunks(wanted):
                for row in db.session.execute(select(*columns).where(func.lower(columns[position]).in_(batch))):
                    found[row[position].lower()] = Learner(*row)
    by_username.update(by_email)  # an email match wins (domain §0)
    return by_username


def _key(identifier: str) -> str:
    """An identifier's lookup key (stripped, lower-cased; the identifier itself when it already is one, so a
    roster's keys are not copied), or "" when it names nobody."""
    key = identifier.strip().lower()
    if not key or UNSTORABLE.search(key):
        return ""
    return identifier if key == identifier else key


@dataclass(slots=True)
class Resolved:
    """A roster row that passed the shared checks: the kind decides what happens to this learner."""

    index: int
    item: Item
    user: Learner
    notes: str  # the row's notes, stripped (read once by `triage`)

    @property
    def entry(self) -> RosterEntry:
        return entry_of(self.item)


def learner_label(user: User | Learner) -> str:
    return f"{user.username} <{user.email}>"


def triage(items: Sequence[Item], ctx: PlanContext | None = None) -> tuple[list[Decision | None], list[Resolved]]:
    """Decide the rows failing the shared checks; return the others resolved, last duplicate winning.

    The first list has one entry per item: a Decision where the shared checks settled the row, None where
    the kind must decide (those are the `Resolved` rows, in input order). When `items` is one batch of a
    larger input, `survey` recorded each learner's last row in `ctx.cache`, so a duplicate is known as such
    whichever batch its winner is in.
    """
    decisions: list[Decision | None] = [None] * len(items)
    # Each row's (identifier, notes, blank) is read once; only references are kept (strip() returns the
    # cell itself when there is nothing to strip), never a payload object per row.
    fields = [_fields(item) for item in items]
    surveyed: dict[str, Learner] | None = ctx.cache.get(LEARNERS) if ctx is not None else None
    users = surveyed if surveyed is not None else find_learners(identifier for identifier, _, _ in fields)
    user_at: list[Learner | None] = [None] * len(items)
    last_row_of_user: dict[int, int] = {}
    for index, (item, (identifier, notes, blank)) in enumerate(zip(items, fields, strict=True)):
        shared = _shared_decision(item, identifier, notes, blank)
        if shared is not None:
            decisions[index] = shared
        elif (user := users.get(identifier.lower())) is None:
            decisions[index] = Decision(
                Action.ERROR,
                key=identifier.lower(),
                code="unknown_learner",
                message=rule_message("{identifier} does not exist; check the spelling", identifier=identifier),
            )
        else:
            user_at[index] = user
            last_row_of_user[user.id] = index
    del users
    last_rows: dict[int, int] = ctx.cache.get(LAST_ROWS, {}) if ctx is not None else {}
    resolved: list[Resolved] = []
    for index, user in enumerate(user_at):
        if user is None:
            continue
        winner = max(items[last_row_of_user[user.id]].row, last_rows.get(user.id, 0))
        if winner != items[index].row:
            decisions[index] = Decision(
                Action.SKIP,
                key=str(user.id),
                label=learner_label(user),
                code="duplicate_row",
                message=rule_message("same learner as row {row}, which supersedes this row", row=winner),
            )
        else:
            resolved.append(Resolved(index, items[index], user, fields[index][1]))
    return decisions, resolved


def _shared_decision(item: Item, identifier: str, notes: str, blank: bool) -> Decision | None:
    """The decision of a row failing a shared check before its learner is looked up, or None."""
    if blank:
        return Decision(Action.SKIP, code="blank_row", message=BLANK_ROW)
    if item.data and item.data.get("problem"):
        return Decision(Action.ERROR, code="bad_format", message=str(item.data["problem"]))
    if len(item.cells) > 2 and len([c for c in item.cells if c.strip()]) > 2:
        return Decision(
            Action.ERROR,
            code="bad_format",
            message=rule_message("{count} cells; expected username_or_email and optional notes", count=len(item.cells)),
        )
    if not identifier:
        return Decision(Action.ERROR, code="bad_format", message=NO_IDENTIFIER)
    if (UNSTORABLE.search(identifier) or UNSTORABLE.search(notes)) and (
        refusal := unstorable_text(ROSTER_COLUMNS[0], identifier) or unstorable_text(ROSTER_COLUMNS[1], notes)
    ):
        return Decision(Action.ERROR, key=identifier.lower(), code="bad_text", message=refusal)
    return None


def _fields(row: Row) -> tuple[str, str, bool]:
    """(identifier, notes, blank) of a roster row, as `entry_of` reads them; uploaded rows without a
    payload take the quick way (their cells, stripped)."""
    if row.data:
        entry = RosterEntry.from_data(row.data)
        return entry.identifier, entry.notes, entry.blank
    cells = row.cells
    if not cells:
        return "", "", True
    return str(cells[0]).strip(), str(cells[1]).strip() if len(cells) > 1 else "", False


def merge(decisions: list[Decision | None], decided: dict[int, Decision]) -> list[Decision]:
    """Fill the kind's decisions (by item index) into the shared ones; every item gets exactly one."""
    merged = []
    for index, decision in enumerate(decisions):
        final = decision if decision is not None else decided.get(index)
        if final is None:
            raise RuntimeError(f"no decision for item {index}")
        merged.append(final)
    return merged
