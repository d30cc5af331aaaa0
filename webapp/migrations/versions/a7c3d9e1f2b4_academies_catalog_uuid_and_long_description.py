"""academies: the catalog's own uuid (unique) and long description

Plain ADD/DROP COLUMN (no batch table copy): a copy would lose the lower(name) expression index on SQLite.

Revision ID: a7c3d9e1f2b4
Revises: 41c3a94a3919
Create Date: 2026-12-01 04:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3d9e1f2b4'
down_revision = '41c3a94a3919'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('academies', sa.Column('long_description', sa.Text(), nullable=False, server_default=''))
    op.add_column('academies', sa.Column('catalog_uuid', sa.String(length=36), nullable=True))
    op.create_index('uq_academies_catalog_uuid', 'academies', ['catalog_uuid'], unique=True)


def downgrade():
    op.drop_index('uq_academies_catalog_uuid', table_name='academies')
    op.drop_column('academies', 'catalog_uuid')
    op.drop_column('academies', 'long_description')
