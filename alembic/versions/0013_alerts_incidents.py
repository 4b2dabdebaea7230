"""Alerts you can trust: instance incarnations, incidents, the Teams incident window

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('tws_instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incarnation', sa.String(length=32), nullable=False, server_default=''))
    with op.batch_alter_table('tws_summaries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incarnation', sa.String(length=32), nullable=False, server_default=''))
    # Existing instances get an incarnation, and their snapshot is theirs: no spurious baseline after the upgrade.
    conn = op.get_bind()
    for (row_id, name) in conn.execute(sa.text('SELECT id, name FROM tws_instances')).all():
        token = secrets.token_hex(8)
        conn.execute(sa.text('UPDATE tws_instances SET incarnation = :t WHERE id = :i'), {'t': token, 'i': row_id})
        conn.execute(sa.text('UPDATE tws_summaries SET incarnation = :t WHERE instance = :n'), {'t': token, 'n': name})

    with op.batch_alter_table('tws_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incident_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('card_no', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tws_events_incident_id'), ['incident_id'], unique=False)

    with op.batch_alter_table('teams_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('teams_incident_window_seconds', sa.Integer(), nullable=False,
                                      server_default='120'))

    op.create_table('tws_incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance', sa.String(length=64), nullable=False),
    sa.Column('cause_kind', sa.String(length=16), nullable=False),
    sa.Column('cause_name', sa.String(length=200), nullable=False),
    sa.Column('open_cause', sa.String(length=240), nullable=True),
    sa.Column('first_at', TS, nullable=False),
    sa.Column('last_at', TS, nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('counts_json', sa.Text(), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('window_s', sa.Integer(), nullable=False),
    sa.Column('card_seq', sa.Integer(), nullable=False),
    sa.Column('cards_rendered', sa.Integer(), nullable=False),
    sa.Column('card_due_at', TS, nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('instance', 'open_cause', name='uq_tws_incidents_open'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('tws_incidents', schema=None) as batch_op:
        batch_op.create_index('ix_tws_incidents_instance_last', ['instance', 'last_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tws_incidents_last_at'), ['last_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tws_incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tws_incidents_last_at'))
        batch_op.drop_index('ix_tws_incidents_instance_last')
    op.drop_table('tws_incidents')
    with op.batch_alter_table('teams_settings', schema=None) as batch_op:
        batch_op.drop_column('teams_incident_window_seconds')
    with op.batch_alter_table('tws_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tws_events_incident_id'))
        batch_op.drop_column('card_no')
        batch_op.drop_column('incident_id')
    with op.batch_alter_table('tws_summaries', schema=None) as batch_op:
        batch_op.drop_column('incarnation')
    with op.batch_alter_table('tws_instances', schema=None) as batch_op:
        batch_op.drop_column('incarnation')
