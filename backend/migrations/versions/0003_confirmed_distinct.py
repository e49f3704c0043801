"""HR's confirmation that a face is a different person from an enrolled look-alike.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    # Set when an enrollment between the strict and the match threshold was let through
    # with confirm_distinct=true: whom it looked like, and which key confirmed it.
    op.add_column("face", sa.Column("confirmed_distinct_from", sa.String(64), nullable=True))
    op.add_column("face", sa.Column("confirmed_by", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("face", "confirmed_by")
    op.drop_column("face", "confirmed_distinct_from")
