"""LLM gateway: providers, ledger, rollups, prices, budget alerts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('llm_budget_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('period_key', sa.String(length=10), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('spent_usd', sa.Float(), nullable=False),
    sa.Column('limit_usd', sa.Float(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('acknowledged_at', TS, nullable=True),
    sa.Column('acknowledged_by', sa.String(length=150), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period', 'period_key', 'threshold', name='uq_budget_alert_once')
    )
    op.create_table('llm_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp', TS, nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('deployment', sa.String(length=300), nullable=False),
    sa.Column('prompt_tokens', sa.Integer(), nullable=False),
    sa.Column('completion_tokens', sa.Integer(), nullable=False),
    sa.Column('cost_usd', sa.Float(), nullable=True),
    sa.Column('unpriced', sa.Boolean(), nullable=False),
    sa.Column('latency_ms', sa.Float(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('error_class', sa.String(length=100), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('cache_hit', sa.Boolean(), nullable=False),
    sa.Column('route_reason', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('llm_calls', schema=None) as batch_op:
        batch_op.create_index('ix_llm_calls_day_model', ['day', 'model'], unique=False)
        batch_op.create_index(batch_op.f('ix_llm_calls_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_llm_calls_timestamp'), ['timestamp'], unique=False)
        batch_op.create_index(batch_op.f('ix_llm_calls_unpriced'), ['unpriced'], unique=False)

    op.create_table('llm_latency_daily',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'model', 'bucket')
    )
    op.create_table('llm_model_prices',
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('input_cost_per_1k', sa.Float(), nullable=False),
    sa.Column('output_cost_per_1k', sa.Float(), nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.Column('updated_by', sa.String(length=150), nullable=False),
    sa.PrimaryKeyConstraint('model')
    )
    op.create_table('llm_providers',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=True),
    sa.Column('api_key_encrypted', sa.Text(), nullable=True),
    sa.Column('api_base', sa.String(length=2048), nullable=True),
    sa.Column('models_json', sa.Text(), nullable=True),
    sa.Column('updated_at', TS, nullable=False),
    sa.Column('updated_by', sa.String(length=150), nullable=False),
    sa.Column('last_success_at', TS, nullable=True),
    sa.Column('last_error_at', TS, nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('llm_usage_daily',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('route_reason', sa.String(length=32), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('cache_hits', sa.Integer(), nullable=False),
    sa.Column('prompt_tokens', sa.Integer(), nullable=False),
    sa.Column('completion_tokens', sa.Integer(), nullable=False),
    sa.Column('cost_usd', sa.Float(), nullable=False),
    sa.Column('unpriced_requests', sa.Integer(), nullable=False),
    sa.Column('latency_ms_sum', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'model', 'provider', 'route_reason')
    )


def downgrade() -> None:
    op.drop_table('llm_usage_daily')
    op.drop_table('llm_providers')
    op.drop_table('llm_model_prices')
    op.drop_table('llm_latency_daily')
    with op.batch_alter_table('llm_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_llm_calls_unpriced'))
        batch_op.drop_index(batch_op.f('ix_llm_calls_timestamp'))
        batch_op.drop_index(batch_op.f('ix_llm_calls_request_id'))
        batch_op.drop_index('ix_llm_calls_day_model')

    op.drop_table('llm_calls')
    op.drop_table('llm_budget_alerts')
