"""Chat: the assistant's stored turns (chat_turns)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('chat_turns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('fast_path', sa.Boolean(), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=True),
    sa.Column('route_reason', sa.String(length=32), nullable=True),
    sa.Column('tokens', sa.Integer(), nullable=False),
    sa.Column('cost_usd', sa.Float(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('feedback', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=150), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_chat_turns_conversation_id'), 'chat_turns', ['conversation_id'], unique=False)
    op.create_index(op.f('ix_chat_turns_created_at'), 'chat_turns', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_chat_turns_created_at'), table_name='chat_turns')
    op.drop_index(op.f('ix_chat_turns_conversation_id'), table_name='chat_turns')
    op.drop_table('chat_turns')
