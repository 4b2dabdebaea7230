"""System configuration store: versions, values and per-field audit.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "config_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("actor", sa.String(150), nullable=False),
        sa.Column("restored_from", sa.Integer(), nullable=True),
    )
    op.create_table(
        "config_values",
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("config_versions.id"), primary_key=True),
        sa.Column("field", sa.String(64), primary_key=True),
        sa.Column("value_json", sa.Text(), nullable=False),
    )
    op.create_index("ix_config_values_field", "config_values", ["field"])
    op.create_table(
        "config_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("timestamp", TS, nullable=False),
        sa.Column("actor", sa.String(150), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_config_audit_field", "config_audit", ["field"])
    op.create_index("ix_config_audit_version", "config_audit", ["version"])


def downgrade() -> None:
    op.drop_table("config_audit")
    op.drop_table("config_values")
    op.drop_table("config_versions")
