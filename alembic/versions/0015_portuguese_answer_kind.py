"""Portuguese: chat_turns.answered_from (plan | knowledge | learned | model: what answered the turn) and
chat_turns.language (en | pt-BR: the question's language, so the answer's), so that a stored turn's footer is
worded from what is stored, not read back from the answer's text

Rows stored before this migration are classified once here: an approved-answer id → learned; a fast-path answer
that holds the knowledge footer → knowledge; another fast-path answer → plan; the rest → model. They were all
asked before the chat spoke Portuguese: en.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-12
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('chat_turns') as batch:
        batch.add_column(sa.Column('answered_from', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    turns = sa.table('chat_turns', sa.column('answered_from', sa.String), sa.column('language', sa.String),
                     sa.column('fast_path', sa.Boolean), sa.column('learned_id', sa.Integer),
                     sa.column('answer', sa.Text))
    knowledge = (turns.c.answer.like('%\\_From the %', escape='\\')
                 & turns.c.answer.like('%no model used.\\_%', escape='\\'))
    op.execute(turns.update().values(language='en', answered_from=sa.case(
        (turns.c.learned_id.is_not(None), 'learned'),
        ((turns.c.fast_path == sa.true()) & knowledge, 'knowledge'),
        ((turns.c.fast_path == sa.true()), 'plan'),
        else_='model')))


def downgrade() -> None:
    with op.batch_alter_table('chat_turns') as batch:
        batch.drop_column('language')
        batch.drop_column('answered_from')
