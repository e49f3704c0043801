"""Scale-out: the search rate limiter's token buckets, shared by every replica.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    # One row per API key that searched: tokens left, whether the last take got one, when.
    op.create_table(
        "rate_bucket",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("tokens", sa.Float(precision=53), nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_bucket")
