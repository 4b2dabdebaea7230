"""Deadline prediction (issue 17, CONTRACT §13): each job of a critical job's network keeps the poller's estimate —
estimated end, its 80 % interval (low, high) and why it is late ([{cause, job, minutes}] as JSON). Risk and
confidence stay in their columns, now derived from the estimate for critical jobs.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('tws_plan_jobs') as batch:
        batch.add_column(sa.Column('estimated_end', TS, nullable=True))
        batch.add_column(sa.Column('estimated_end_low', TS, nullable=True))
        batch.add_column(sa.Column('estimated_end_high', TS, nullable=True))
        batch.add_column(sa.Column('why', sa.Text(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('tws_plan_jobs') as batch:
        batch.drop_column('why')
        batch.drop_column('estimated_end_high')
        batch.drop_column('estimated_end_low')
        batch.drop_column('estimated_end')
