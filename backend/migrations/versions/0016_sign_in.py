"""Single sign-on: logins sent to the identity provider and not back yet, and the sessions
of people signed in, both by the SHA-256 of their secret, in the database so that any
replica serves any step.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0016"
down_revision = "0015"


def upgrade() -> None:
    now = sa.text("now()")
    op.create_table(
        "sign_in_login",
        sa.Column("state_hash", sa.String(64), primary_key=True),
        sa.Column("verifier", sa.Text, nullable=False),
        sa.Column("nonce", sa.Text, nullable=False),
        sa.Column("next_path", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )
    op.create_table(
        "sign_in_session",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("issuer", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("roles", ARRAY(sa.Text), nullable=False),
        sa.Column("csrf_token", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )
    op.create_index("sign_in_session_last_seen", "sign_in_session", ["last_seen_at"])


def downgrade() -> None:
    op.drop_table("sign_in_session")
    op.drop_table("sign_in_login")
