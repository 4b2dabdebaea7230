"""TWS snapshot: run_seq, Resync's own count of a job's runs (the run identity of event dedupe keys: an engine may
give a run its jobNumber only at launch, issue 16 D5)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tws_plan_jobs') as batch:
        batch.add_column(sa.Column('run_seq', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('tws_plan_jobs') as batch:
        batch.drop_column('run_seq')
