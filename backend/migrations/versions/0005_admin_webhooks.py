"""HR's page and integrations: key last use, unmatched attempts per hour, webhooks + outbox.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    now = sa.text("now()")
    op.add_column("api_key", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    # The repeat window looks up an employee's newest check-in.
    op.create_index("checkin_employee_created", "checkin", ["employee_id", "created_at"])
    # Unmatched attempts as one counter per hour and kiosk, not a row per frame.
    op.create_table(
        "unknown_attempt",
        sa.Column("hour", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("api_key_name", sa.String(64), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "webhook",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("events", ARRAY(sa.Text), nullable=False),
        # Kept in clear: every delivery is signed with it (shown once at registration).
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        # A worker holds a webhook until this time while it delivers (crash-safe lease).
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    )
    # The outbox: one row per event and webhook, written in the transaction of the change.
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column(
            "webhook_id",
            sa.BigInteger,
            sa.ForeignKey("webhook.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event_id", sa.String(32), nullable=False),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=now
        ),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        # pending | delivered | failed (given up after the retry period)
        sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "webhook_delivery_pending",
        "webhook_delivery",
        ["webhook_id", "id"],
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_index("webhook_delivery_by_webhook", "webhook_delivery", ["webhook_id", "id"])


def downgrade() -> None:
    op.drop_table("webhook_delivery")
    op.drop_table("webhook")
    op.drop_table("unknown_attempt")
    op.drop_index("checkin_employee_created", "checkin")
    op.drop_column("api_key", "last_used_at")
