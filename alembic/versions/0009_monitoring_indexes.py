"""Job monitoring: indexes for the late / stuck filters and the return-code sort of /monitoring

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_tws_jobs_late_name', 'tws_plan_jobs', ['instance', 'late', 'name', 'job_id'], unique=False)
    op.create_index('ix_tws_jobs_stuck_name', 'tws_plan_jobs', ['instance', 'stuck', 'name', 'job_id'], unique=False)
    op.create_index('ix_tws_jobs_rc', 'tws_plan_jobs', ['instance', 'return_code', 'job_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tws_jobs_rc', table_name='tws_plan_jobs')
    op.drop_index('ix_tws_jobs_stuck_name', table_name='tws_plan_jobs')
    op.drop_index('ix_tws_jobs_late_name', table_name='tws_plan_jobs')
