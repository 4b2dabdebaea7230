"""Production path: shared budget holds and the admission lock row

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('llm_budget_holds',
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('day_key', sa.String(length=10), nullable=False),
    sa.Column('month_key', sa.String(length=7), nullable=False),
    sa.Column('amount', sa.Float(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('expires_at', TS, nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('request_id')
    )
    op.create_index(op.f('ix_llm_budget_holds_day_key'), 'llm_budget_holds', ['day_key'], unique=False)
    op.create_index(op.f('ix_llm_budget_holds_month_key'), 'llm_budget_holds', ['month_key'], unique=False)
    op.create_index(op.f('ix_llm_budget_holds_expires_at'), 'llm_budget_holds', ['expires_at'], unique=False)
    op.create_table('llm_budget_lock',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('admissions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('llm_budget_lock')
    op.drop_index(op.f('ix_llm_budget_holds_expires_at'), table_name='llm_budget_holds')
    op.drop_index(op.f('ix_llm_budget_holds_month_key'), table_name='llm_budget_holds')
    op.drop_index(op.f('ix_llm_budget_holds_day_key'), table_name='llm_budget_holds')
    op.drop_table('llm_budget_holds')
