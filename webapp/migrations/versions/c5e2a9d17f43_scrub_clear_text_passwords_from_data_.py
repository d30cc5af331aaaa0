"""scrub clear-text passwords from data-spec plan rows

Older versions stored a users entry's `password` in clear in the plan row's data. Each one is replaced
by the redaction marker {"(redacted)": "migration"} (not a hash: hashing every stored row would take
minutes, and a previewed plan so scrubbed is refused with "plan the load again" rather than applied).

Revision ID: c5e2a9d17f43
Revises: 7c2e9a4d1b35
Create Date: 2026-12-01 05:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c5e2a9d17f43"
down_revision = "7c2e9a4d1b35"
branch_labels = None
depends_on = None

REDACTED = {"(redacted)": "migration"}
BATCH = 1000

plans = sa.table("plans", sa.column("id", sa.Integer), sa.column("kind", sa.String))
plan_rows = sa.table(
    "plan_rows", sa.column("id", sa.Integer), sa.column("plan_id", sa.Integer), sa.column("data", sa.JSON)
)


def _scrub(value):
    """The value with every `password` replaced by the marker (entries are small and shallow)."""
    if isinstance(value, dict):
        return {k: REDACTED if k == "password" and v is not None else _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def upgrade():
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(plan_rows.c.id, plan_rows.c.data)
            .where(
                plan_rows.c.id > last,
                plan_rows.c.plan_id.in_(sa.select(plans.c.id).where(plans.c.kind == "data_spec")),
            )
            .order_by(plan_rows.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        for row in rows:
            data = row.data or {}
            if data.get("entity") != "users":
                continue
            scrubbed = _scrub(data)
            if scrubbed != data:
                connection.execute(sa.update(plan_rows).where(plan_rows.c.id == row.id).values(data=scrubbed))


def downgrade():
    pass  # a clear-text password is not restored
