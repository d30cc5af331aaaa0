"""plans: the apply claim's lease (design §1, step 3)

Plain ADD COLUMN. A plan stuck in `applying` before this migration has no lease: `plans recover`
treats a missing lease as expired.

Revision ID: b1d4f7a2c9e3
Revises: e4b8c2d6a1f9
Create Date: 2026-12-01 05:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b1d4f7a2c9e3'
down_revision = 'e4b8c2d6a1f9'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('plans', sa.Column('lease_expires', sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column('plans', 'lease_expires')
