"""login throttles: per (user, address) and per-address attempt counters

A new table: login throttling no longer counts audit events (which a username typed from any address
fed, so that anyone could lock a user out). Nothing to carry over: the counters start empty.

Revision ID: d8f3a6c1e2b7
Revises: d8f3b6a1c2e7
Create Date: 2026-12-01 06:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8f3a6c1e2b7'
down_revision = 'd8f3b6a1c2e7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_throttles',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('window_start', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles')),
    )


def downgrade():
    op.drop_table('login_throttles')
