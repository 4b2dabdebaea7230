"""Shift report: indexes for its window counts — TWS events by instance, type and time; audit entries by action
and time (the operator actions of a window)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10
"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_tws_events_instance_type_at', 'tws_events', ['instance', 'type', 'at'], unique=False)
    op.create_index('ix_audit_log_action_timestamp', 'audit_log', ['action', 'timestamp'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_log_action_timestamp', table_name='audit_log')
    op.drop_index('ix_tws_events_instance_type_at', table_name='tws_events')
