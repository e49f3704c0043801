"""Check-in evidence: the kiosk's face crop with each check-in, HR's disputes; the
head-turn challenge per kiosk key (its signing secret, answered challenges).

Revision ID: 0007
Revises: 0006
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


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

    # The head-turn challenge: per key, off unless set.
    op.add_column(
        "api_key",
        sa.Column("liveness", sa.String(16), nullable=False, server_default="off"),
    )
    # One signing secret for every replica (challenge tokens are HMAC-signed with it).
    op.create_table(
        "liveness_secret",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("secret", sa.Text, nullable=False),
    )
    op.execute(
        sa.text("INSERT INTO liveness_secret (id, secret) VALUES (1, :s)").bindparams(
            s=secrets.token_hex(32)
        )
    )
    # Answered challenges until they expire: a token is good for one answer.
    op.create_table(
        "liveness_challenge",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("liveness_challenge_expires", "liveness_challenge", ["expires_at"])


def downgrade() -> None:
    op.drop_table("liveness_challenge")
    op.drop_table("liveness_secret")
    op.drop_column("api_key", "liveness")
    op.drop_index("checkin_snapshot_created", "checkin")
    op.drop_index("checkin_snapshot_key", "checkin")
    for column in ("disputed_at", "disputed_by", "dispute_reason", "face_id", "snapshot_key"):
        op.drop_column("checkin", column)
