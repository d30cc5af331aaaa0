"""plans: side effects per row and their counts per plan (design §1)

Plain ADD COLUMN (no batch table copy). Existing plans get no side effects: their rows were decided
before side effects were recorded.

Revision ID: e4b8c2d6a1f9
Revises: c5e2a9d17f43
Create Date: 2026-12-01 05:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b8c2d6a1f9'
down_revision = 'c5e2a9d17f43'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('plans', sa.Column('effect_counts', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    op.add_column('plan_rows', sa.Column('effects', sa.JSON(none_as_null=True), nullable=True))


def downgrade():
    op.drop_column('plan_rows', 'effects')
    op.drop_column('plans', 'effect_counts')
