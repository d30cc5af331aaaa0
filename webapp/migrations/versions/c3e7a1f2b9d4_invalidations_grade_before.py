"""invalidations: grade_before (re-validation restores the grade, domain §1.4)

Revision ID: c3e7a1f2b9d4
Revises: a7c3d9e1f2b4
Create Date: 2026-12-01 04:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e7a1f2b9d4'
down_revision = 'a7c3d9e1f2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invalidations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grade_before', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('invalidations', schema=None) as batch_op:
        batch_op.drop_column('grade_before')
