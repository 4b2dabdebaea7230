"""Learning from operators: the review queue of rated answers (learned_answers) and chat_turns.learned_id

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-20
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('learned_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('turn_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_from', sa.Integer(), nullable=True),
    sa.Column('vote', sa.Integer(), nullable=False),
    sa.Column('correction', sa.Text(), nullable=True),
    sa.Column('approved_answer', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=150), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.Column('reviewed_by', sa.String(length=150), nullable=True),
    sa.Column('reviewed_at', TS, nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_learned_answers_turn_id'), 'learned_answers', ['turn_id'], unique=True)
    op.create_index(op.f('ix_learned_answers_status'), 'learned_answers', ['status'], unique=False)
    op.create_index(op.f('ix_learned_answers_created_at'), 'learned_answers', ['created_at'], unique=False)
    op.create_index(op.f('ix_learned_answers_reviewed_at'), 'learned_answers', ['reviewed_at'], unique=False)
    with op.batch_alter_table('chat_turns') as batch:
        batch.add_column(sa.Column('learned_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('chat_turns') as batch:
        batch.drop_column('learned_id')
    op.drop_index(op.f('ix_learned_answers_reviewed_at'), table_name='learned_answers')
    op.drop_index(op.f('ix_learned_answers_created_at'), table_name='learned_answers')
    op.drop_index(op.f('ix_learned_answers_status'), table_name='learned_answers')
    op.drop_index(op.f('ix_learned_answers_turn_id'), table_name='learned_answers')
    op.drop_table('learned_answers')
