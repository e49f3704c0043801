"""Initial schema: gallery, employee, face, checkin, api_key.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    now = sa.text("now()")
    op.create_table(
        "gallery",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("detector", sa.Text, nullable=False),
        sa.Column("dim", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )
    op.create_table(
        "employee",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )
    # embedding has no dimension yet: the gallery sets it from its model at first start.
    op.create_table(
        "face",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "employee_id",
            sa.String(64),
            sa.ForeignKey("employee.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("embedding", Vector(), nullable=False),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("detector", sa.Text, nullable=False),
        sa.Column("image_key", sa.Text, nullable=False, unique=True),
        sa.Column("quality", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )
    op.create_table(
        "checkin",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column(
            "employee_id",
            sa.String(64),
            sa.ForeignKey("employee.id", ondelete="CASCADE"),
            nullable=True,
            index=True,
        ),
        sa.Column("matched", sa.Boolean, nullable=False),
        sa.Column("distance", sa.Float, nullable=True),
        sa.Column("api_key_name", sa.String(64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=now,
            index=True,
        ),
    )
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    for table in ("api_key", "checkin", "face", "employee", "gallery"):
        op.drop_table(table)
