"""TWS instances, plan snapshot, events, run history

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('tws_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', TS, nullable=False),
    sa.Column('instance', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('job', sa.String(length=200), nullable=True),
    sa.Column('job_id', sa.String(length=200), nullable=True),
    sa.Column('job_stream', sa.String(length=200), nullable=True),
    sa.Column('workstation', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=True),
    sa.Column('return_code', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=400), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    with op.batch_alter_table('tws_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tws_events_at'), ['at'], unique=False)
        batch_op.create_index('ix_tws_events_instance_id', ['instance', 'id'], unique=False)
        batch_op.create_index('ix_tws_events_severity_id', ['severity', 'id'], unique=False)
        batch_op.create_index('ix_tws_events_type_id', ['type', 'id'], unique=False)

    op.create_table('tws_instances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('base_url', sa.String(length=500), nullable=False),
    sa.Column('username', sa.String(length=150), nullable=False),
    sa.Column('password_encrypted', sa.Text(), nullable=True),
    sa.Column('verify_tls', sa.Boolean(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('read_only', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.Column('updated_by', sa.String(length=150), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('tws_job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance', sa.String(length=64), nullable=False),
    sa.Column('job_key', sa.String(length=400), nullable=False),
    sa.Column('job_id', sa.String(length=200), nullable=False),
    sa.Column('run_number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('start', TS, nullable=True),
    sa.Column('end', TS, nullable=True),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('return_code', sa.Integer(), nullable=True),
    sa.Column('recorded_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('instance', 'job_id', 'run_number', name='uq_tws_job_run_once')
    )
    with op.batch_alter_table('tws_job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_tws_job_runs_key_end', ['instance', 'job_key', 'end'], unique=False)
        batch_op.create_index(batch_op.f('ix_tws_job_runs_recorded_at'), ['recorded_at'], unique=False)

    op.create_table('tws_plan_jobs',
    sa.Column('instance', sa.String(length=64), nullable=False),
    sa.Column('job_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('job_stream', sa.String(length=200), nullable=False),
    sa.Column('job_stream_id', sa.String(length=200), nullable=False),
    sa.Column('workstation', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('external_status', sa.String(length=32), nullable=False),
    sa.Column('start', TS, nullable=True),
    sa.Column('end', TS, nullable=True),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('scheduled_start', TS, nullable=True),
    sa.Column('deadline', TS, nullable=True),
    sa.Column('estimated_duration_s', sa.Float(), nullable=True),
    sa.Column('critical', sa.Boolean(), nullable=False),
    sa.Column('return_code', sa.Integer(), nullable=True),
    sa.Column('run_number', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=True),
    sa.Column('predecessors', sa.Text(), nullable=False),
    sa.Column('deps_state', sa.Integer(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('stuck', sa.Boolean(), nullable=False),
    sa.Column('risk', sa.String(length=10), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('fingerprint', sa.BigInteger(), nullable=False),
    sa.Column('changed_seq', sa.Integer(), nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('instance', 'job_id')
    )
    with op.batch_alter_table('tws_plan_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_tws_jobs_critical', ['instance', 'critical', 'deadline'], unique=False)
        batch_op.create_index('ix_tws_jobs_deps', ['instance', 'deps_state'], unique=False)
        batch_op.create_index('ix_tws_jobs_duration', ['instance', 'duration_s', 'job_id'], unique=False)
        batch_op.create_index('ix_tws_jobs_end', ['instance', 'end', 'job_id'], unique=False)
        batch_op.create_index('ix_tws_jobs_name', ['instance', 'name', 'job_id'], unique=False)
        batch_op.create_index('ix_tws_jobs_start', ['instance', 'start', 'job_id'], unique=False)
        batch_op.create_index('ix_tws_jobs_status_duration', ['instance', 'status', 'duration_s', 'job_id'], unique=False)
        batch_op.create_index('ix_tws_jobs_status_end', ['instance', 'status', 'end', 'job_id'], unique=False)
        batch_op.create_index('ix_tws_jobs_status_name', ['instance', 'status', 'name', 'job_id'], unique=False)
        batch_op.create_index('ix_tws_jobs_status_start', ['instance', 'status', 'start', 'job_id'], unique=False)
        batch_op.create_index('ix_tws_jobs_stream_name', ['instance', 'job_stream', 'name', 'job_id'], unique=False)
        batch_op.create_index('ix_tws_jobs_ws_name', ['instance', 'workstation', 'name', 'job_id'], unique=False)

    op.create_table('tws_poll_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance', sa.String(length=64), nullable=False),
    sa.Column('at', TS, nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('duration_ms', sa.Float(), nullable=False),
    sa.Column('error_kind', sa.String(length=40), nullable=False),
    sa.Column('jobs_changed', sa.Integer(), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('running', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('pending', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.Column('stuck', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('tws_poll_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tws_poll_log_at'), ['at'], unique=False)
        batch_op.create_index('ix_tws_poll_log_instance_at', ['instance', 'at'], unique=False)

    op.create_table('tws_poller_control',
    sa.Column('instance', sa.String(length=64), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('poll_now_seq', sa.Integer(), nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.Column('updated_by', sa.String(length=150), nullable=False),
    sa.PrimaryKeyConstraint('instance')
    )
    op.create_table('tws_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('primary_instance', sa.String(length=64), nullable=True),
    sa.Column('default_seeded', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.Column('updated_by', sa.String(length=150), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('tws_summaries',
    sa.Column('instance', sa.String(length=64), nullable=False),
    sa.Column('as_of', TS, nullable=True),
    sa.Column('stale_since', TS, nullable=True),
    sa.Column('baseline_at', TS, nullable=True),
    sa.Column('health', sa.String(length=10), nullable=False),
    sa.Column('health_seq', sa.Integer(), nullable=False),
    sa.Column('running', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('pending', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.Column('stuck', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('at_risk', sa.Integer(), nullable=False),
    sa.Column('status_counts', sa.Text(), nullable=False),
    sa.Column('failure_rate', sa.Float(), nullable=False),
    sa.Column('failure_episode', sa.Integer(), nullable=False),
    sa.Column('failure_high', sa.Boolean(), nullable=False),
    sa.Column('ws_linked', sa.Integer(), nullable=False),
    sa.Column('ws_unlinked', sa.Integer(), nullable=False),
    sa.Column('ws_total', sa.Integer(), nullable=False),
    sa.Column('engine_info', sa.Text(), nullable=False),
    sa.Column('poller_state', sa.String(length=16), nullable=False),
    sa.Column('leader', sa.String(length=200), nullable=False),
    sa.Column('last_poll_at', TS, nullable=True),
    sa.Column('last_poll_ms', sa.Float(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('last_error_at', TS, nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('interval_s', sa.Float(), nullable=False),
    sa.Column('next_poll_at', TS, nullable=True),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('poll_seq', sa.Integer(), nullable=False),
    sa.Column('poll_now_seen', sa.Integer(), nullable=False),
    sa.Column('polls_total', sa.Integer(), nullable=False),
    sa.Column('poll_errors_total', sa.Integer(), nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('instance')
    )
    op.create_table('tws_workstations',
    sa.Column('instance', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('ws_id', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('link_status', sa.String(length=40), nullable=False),
    sa.Column('linked', sa.Boolean(), nullable=False),
    sa.Column('running', sa.Boolean(), nullable=False),
    sa.Column('offline', sa.Boolean(), nullable=False),
    sa.Column('change_seq', sa.Integer(), nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('instance', 'name')
    )


def downgrade() -> None:
    op.drop_table('tws_workstations')
    op.drop_table('tws_summaries')
    op.drop_table('tws_settings')
    op.drop_table('tws_poller_control')
    with op.batch_alter_table('tws_poll_log', schema=None) as batch_op:
        batch_op.drop_index('ix_tws_poll_log_instance_at')
        batch_op.drop_index(batch_op.f('ix_tws_poll_log_at'))

    op.drop_table('tws_poll_log')
    with op.batch_alter_table('tws_plan_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_tws_jobs_ws_name')
        batch_op.drop_index('ix_tws_jobs_stream_name')
        batch_op.drop_index('ix_tws_jobs_status_start')
        batch_op.drop_index('ix_tws_jobs_status_name')
        batch_op.drop_index('ix_tws_jobs_status_end')
        batch_op.drop_index('ix_tws_jobs_status_duration')
        batch_op.drop_index('ix_tws_jobs_start')
        batch_op.drop_index('ix_tws_jobs_name')
        batch_op.drop_index('ix_tws_jobs_end')
        batch_op.drop_index('ix_tws_jobs_duration')
        batch_op.drop_index('ix_tws_jobs_deps')
        batch_op.drop_index('ix_tws_jobs_critical')

    op.drop_table('tws_plan_jobs')
    with op.batch_alter_table('tws_job_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tws_job_runs_recorded_at'))
        batch_op.drop_index('ix_tws_job_runs_key_end')

    op.drop_table('tws_job_runs')
    op.drop_table('tws_instances')
    with op.batch_alter_table('tws_events', schema=None) as batch_op:
        batch_op.drop_index('ix_tws_events_type_id')
        batch_op.drop_index('ix_tws_events_severity_id')
        batch_op.drop_index('ix_tws_events_instance_id')
        batch_op.drop_index(batch_op.f('ix_tws_events_at'))

    op.drop_table('tws_events')
