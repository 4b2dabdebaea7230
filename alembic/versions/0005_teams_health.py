"""Teams settings and delivery outbox; health check history

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('teams_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('webhook_url_encrypted', sa.Text(), nullable=True),
    sa.Column('channel_name', sa.String(length=100), nullable=False),
    sa.Column('bot_name', sa.String(length=100), nullable=False),
    sa.Column('avatar_url', sa.String(length=2048), nullable=False),
    sa.Column('enable_conversation_learning', sa.Boolean(), nullable=False),
    sa.Column('enable_job_notifications', sa.Boolean(), nullable=False),
    sa.Column('monitored_tws_instances_json', sa.Text(), nullable=False),
    sa.Column('job_status_filters_json', sa.Text(), nullable=False),
    sa.Column('notification_types_json', sa.Text(), nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.Column('updated_by', sa.String(length=150), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('teams_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_key', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('instance', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('card_json', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', TS, nullable=False),
    sa.Column('claimed_at', TS, nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('sent_at', TS, nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_key', name='uq_teams_outbox_source')
    )
    op.create_index('ix_teams_outbox_created_at', 'teams_outbox', ['created_at'], unique=False)
    op.create_index('ix_teams_outbox_due', 'teams_outbox', ['status', 'next_attempt_at'], unique=False)
    op.create_table('health_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checked_at', TS, nullable=False),
    sa.Column('run_id', sa.String(length=32), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('worker', sa.String(length=64), nullable=False),
    sa.Column('component', sa.String(length=32), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('latency_ms', sa.Float(), nullable=True),
    sa.Column('detail', sa.String(length=1000), nullable=False),
    sa.Column('data_json', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_health_checks_checked_at', 'health_checks', ['checked_at'], unique=False)
    op.create_index('ix_health_checks_component_time', 'health_checks', ['component', 'checked_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_health_checks_component_time', table_name='health_checks')
    op.drop_index('ix_health_checks_checked_at', table_name='health_checks')
    op.drop_table('health_checks')
    op.drop_index('ix_teams_outbox_due', table_name='teams_outbox')
    op.drop_index('ix_teams_outbox_created_at', table_name='teams_outbox')
    op.drop_table('teams_outbox')
    op.drop_table('teams_settings')
