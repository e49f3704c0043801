"""A way in without a face: per person "no biometrics", a personal PIN (a slow salted
hash only), lockouts after wrong PINs (per person and per kiosk, shared by every
replica), personal QR codes (signed tokens, revocable by id), and the method of each
check-in (face, pin or qr).

Revision ID: 0012
Revises: 0011
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    op.add_column(
        "employee",
        sa.Column("biometrics", sa.String(8), nullable=False, server_default="face"),
    )
    op.create_check_constraint("employee_biometrics", "employee", "biometrics IN ('face', 'none')")
    op.add_column(
        "checkin", sa.Column("method", sa.String(8), nullable=False, server_default="face")
    )
    op.create_check_constraint("checkin_method", "checkin", "method IN ('face', 'pin', 'qr')")
    # The PIN as scrypt$N$r$p$salt$hash (the parameters travel with it, so they can grow).
    op.create_table(
        "employee_pin",
        sa.Column(
            "employee_id",
            sa.String(64),
            sa.ForeignKey("employee.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("hash", sa.Text, nullable=False),
        sa.Column("set_by", sa.String(64), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    # Wrong PINs per scope ("person:<id>" or "kiosk:<key name>"); a person's row may name
    # an id nobody has, so that a made-up id locks like a real one (no enumeration).
    op.create_table(
        "pin_lockout",
        sa.Column("scope", sa.String(80), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "qr_token",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "employee_id",
            sa.String(64),
            sa.ForeignKey("employee.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("issued_by", sa.String(64), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(64), nullable=True),
    )
    op.create_index("qr_token_employee", "qr_token", ["employee_id"])
    # One secret for every replica: QR tokens are HMAC-signed with it. It never leaves the
    # database (never in a page); rotating it (UPDATE) invalidates every printed code.
    op.create_table(
        "credential_secret",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("secret", sa.Text, nullable=False),
    )
    op.execute(
        sa.text("INSERT INTO credential_secret (id, secret) VALUES (1, :s)").bindparams(
            s=secrets.token_hex(32)
        )
    )


def downgrade() -> None:
    op.drop_table("credential_secret")
    op.drop_table("qr_token")
    op.drop_table("pin_lockout")
    op.drop_table("employee_pin")
    op.drop_constraint("checkin_method", "checkin")
    op.drop_column("checkin", "method")
    op.drop_constraint("employee_biometrics", "employee")
    op.drop_column("employee", "biometrics")
