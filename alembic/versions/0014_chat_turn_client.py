"""Chat: who stored each turn (`client_key`), for the per-client cap of stored turns

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('chat_turns') as batch:
        batch.add_column(sa.Column('client_key', sa.String(length=200), nullable=True))
    op.create_index('ix_chat_turns_client_key_id', 'chat_turns', ['client_key', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_chat_turns_client_key_id', table_name='chat_turns')
    with op.batch_alter_table('chat_turns') as batch:
        batch.drop_column('client_key')
