"""Users and roles: `users.role` (admin | operator) replaces `is_admin`, `disabled`, `last_login_at`

Existing users were all admins and stay admins.

Revision ID: 0007
Revises: 0006
Create Date: 2027-01-10
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('role', sa.String(length=16), nullable=False, server_default='admin'))
        batch.add_column(sa.Column('disabled', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET role = CASE WHEN is_admin THEN 'admin' ELSE 'operator' END")
    with op.batch_alter_table('users') as batch:
        batch.alter_column('role', server_default=None)
        batch.alter_column('disabled', server_default=None)
        batch.drop_column('is_admin')


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('is_admin', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute("UPDATE users SET is_admin = (role = 'admin' AND NOT disabled)")
    with op.batch_alter_table('users') as batch:
        batch.alter_column('is_admin', server_default=None)
        batch.drop_column('last_login_at')
        batch.drop_column('disabled')
        batch.drop_column('role')
