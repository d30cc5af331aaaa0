"""proctoring: video links redacted, signed timestamp and staff decision on reviews, attempt reset (archived)

Drops the stored video links (reviews and their history) and strips `videoReviewLink`, `examPassword` and
`userPhotoBase64String` (at any depth) from stored raw payloads, history and replay plan rows. Adds the
callback's signed timestamp and the staff decision time to reviews, the review page URL to support
notifications, and `archived` to attempts: one *current* attempt per learner and exam (a partial unique
index), any number of archived ones.

Revision ID: 7c2e9a4d1b35
Revises: c3e7a1f2b9d4
Create Date: 2026-12-01 04:45:00.000000

"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c2e9a4d1b35'
down_revision = 'c3e7a1f2b9d4'
branch_labels = None
depends_on = None

NEVER_STORED = frozenset({"videoReviewLink", "examPassword", "userPhotoBase64String"})
BATCH = 500


def _redact(value):
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items() if k not in NEVER_STORED}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


def _load(value):
    return json.loads(value) if isinstance(value, str) else value


def _replay_plans():
    plans = sa.table('plans', sa.column('id', sa.Integer), sa.column('kind', sa.String))
    return sa.select(plans.c.id).where(plans.c.kind == 'proctoring_replay')


def _scrub(table, column, *, replay_rows=False):
    """Rewrite a JSON column without the never-stored fields, in batches by id (bounded memory).

    For replay plan rows, a line that was not JSON kept up to 200 characters of itself as its first
    cell: that cell is blanked too (a password or a photo in it cannot be told apart).
    """
    bind = op.get_bind()
    columns = [sa.column('id', sa.Integer), sa.column(column, sa.JSON)]
    if replay_rows:
        columns += [sa.column('plan_id', sa.Integer), sa.column('cells', sa.JSON)]
    t = sa.table(table, *columns)
    last = 0
    while True:
        query = sa.select(*t.c).where(t.c.id > last).order_by(t.c.id).limit(BATCH)
        if replay_rows:
            query = query.where(t.c.plan_id.in_(_replay_plans()))
        rows = bind.execute(query).mappings().all()
        if not rows:
            return
        for row in rows:
            values = {}
            data = _load(row[column])
            clean = _redact(data)
            if clean != data:
                values[column] = clean
            if replay_rows and isinstance(data, dict) and 'error' in data:
                values['cells'] = ["(not JSON)", ""]  # the line's own text: it cannot be redacted
            if values:
                bind.execute(t.update().where(t.c.id == row['id']).values(values))
        last = rows[-1]['id']


def _foreign_keys(on):
    """SQLite recreates a table to drop a column or a constraint; with foreign keys enforced, dropping the
    old table would cascade-delete the rows that refer to it (reviews, history, comments). Off meanwhile."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def upgrade():
    _foreign_keys(False)
    with op.batch_alter_table('proctoring_reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
        batch_op.drop_column('video_url')
    with op.batch_alter_table('proctoring_review_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
        batch_op.drop_column('video_url')
    with op.batch_alter_table('proctoring_support_notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('url', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('proctoring_support_notifications', schema=None) as batch_op:
        batch_op.alter_column('url', server_default=None)
    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived', sa.DateTime(), nullable=True))
        batch_op.drop_constraint('uq_exam_attempts_exam_user', type_='unique')
        batch_op.create_index(batch_op.f('ix_exam_attempts_archived'), ['archived'], unique=False)
        batch_op.create_index(
            'uq_exam_attempts_exam_user_current',
            ['exam_id', 'user_id'],
            unique=True,
            sqlite_where=sa.text('archived IS NULL'),
            postgresql_where=sa.text('archived IS NULL'),
        )
    _scrub('proctoring_reviews', 'raw_data')
    _scrub('proctoring_review_history', 'raw_data')
    _scrub('plan_rows', 'data', replay_rows=True)
    _foreign_keys(True)


def downgrade():
    # The redacted values are gone for good; the columns come back empty.
    _foreign_keys(False)
    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.drop_index('uq_exam_attempts_exam_user_current')
        batch_op.drop_index(batch_op.f('ix_exam_attempts_archived'))
        batch_op.drop_column('archived')
    op.execute(
        "DELETE FROM exam_attempts WHERE id NOT IN (SELECT MAX(id) FROM exam_attempts GROUP BY exam_id, user_id)"
    )
    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_exam_attempts_exam_user', ['exam_id', 'user_id'])
    with op.batch_alter_table('proctoring_support_notifications', schema=None) as batch_op:
        batch_op.drop_column('url')
    for table in ('proctoring_review_history', 'proctoring_reviews'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('video_url', sa.Text(), nullable=False, server_default=''))
            batch_op.drop_column('decided_at')
            batch_op.drop_column('signed_at')
    _foreign_keys(True)
