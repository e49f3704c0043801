"""Check-in evidence: the kiosk's face crop with each check-in, HR's disputes.

Revision ID: 0007
Revises: 0005 (0006 once the contract branch is on main)
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"


def upgrade() -> None:
    # The snapshot's object key; NULL when none was kept or its retention has passed.
    op.add_column("checkin", sa.Column("snapshot_key", sa.Text, nullable=True))
    # The enrolled face the check-in matched (HR compares the snapshot with its photo).
    op.add_column("checkin", sa.Column("face_id", sa.String(64), nullable=True))
    op.add_column("checkin", sa.Column("dispute_reason", sa.Text, nullable=True))
    op.add_column("checkin", sa.Column("disputed_by", sa.String(64), nullable=True))
    op.add_column("checkin", sa.Column("disputed_at", sa.DateTime(timezone=True), nullable=True))
    # The sweep looks rows up by snapshot key, and the retention by age among rows with one.
    op.create_index(
        "checkin_snapshot_key",
        "checkin",
        ["snapshot_key"],
        unique=True,
        postgresql_where=sa.text("snapshot_key IS NOT NULL"),
    )
    op.create_index(
        "checkin_snapshot_created",
        "checkin",
        ["created_at"],
        postgresql_where=sa.text("snapshot_key IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("checkin_snapshot_created", "checkin")
    op.drop_index("checkin_snapshot_key", "checkin")
    for column in ("disputed_at", "disputed_by", "dispute_reason", "face_id", "snapshot_key"):
        op.drop_column("checkin", column)
