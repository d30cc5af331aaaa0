"""Recording per-row outcomes does not cost a statement per row, even when every row fails to apply."""

from __future__ import annotations

from sqlalchemy import event, select

from tests.certificates.helpers import allowlist, plan_id_of, upload, world_with_learners
from tests.refusing_database import database_refuses
from webapp.extensions import db
from webapp.models import PlanRow


def test_failed_rows_are_recorded_in_one_statement(client):
    w = world_with_learners(8)
    client.login("staff")
    plan_id = plan_id_of(upload(client, b"ann\nbob\ncat\ndan\neve\nfay\ngus\nhal\n"))
    updates: list[str] = []

    def listener(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE PLAN_ROWS"):
            updates.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with database_refuses("allowlist_entries", "INSERT"):
            assert client.post(f"/plans/{plan_id}/apply").status_code == 302
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    db.session.expire_all()
    outcomes = db.session.scalars(select(PlanRow.outcome).where(PlanRow.plan_id == plan_id)).all()
    assert outcomes == ["failed"] * 8 and allowlist(w["course_a"]) == {}
    assert len(updates) <= 2, updates
