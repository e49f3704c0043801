"""Privacy: consent before capture, a person's status for the retention schedule.

The notice people consent to is versioned (a new row per edit, never changed in place);
each consent, refusal or withdrawal is a row of its own (never deleted but with the
person). An employee gains a status (active, or left on a date) and `biometrics`: 'face'
or 'none' (the person checks in another way; withdrawal and refusal set it).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    now = sa.text("now()")
    op.add_column(
        "employee", sa.Column("status", sa.String(16), nullable=False, server_default="active")
    )
    op.add_column("employee", sa.Column("left_on", sa.Date, nullable=True))
    # `biometrics` is shared with the way in without a face (issue 22 item 5), whose
    # migration may have added it already: added only where it is not there yet.
    op.execute(
        "ALTER TABLE employee ADD COLUMN IF NOT EXISTS biometrics VARCHAR(8) "
        "NOT NULL DEFAULT 'face'"
    )
    op.create_check_constraint("employee_status", "employee", "status IN ('active', 'left')")
    op.create_check_constraint(
        "employee_left_on", "employee", "(status = 'left') = (left_on IS NOT NULL)"
    )
    op.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint "
        "WHERE conname = 'employee_biometrics') THEN ALTER TABLE employee ADD CONSTRAINT "
        "employee_biometrics CHECK (biometrics IN ('face', 'none')); END IF; END $$"
    )
    op.create_table(
        "consent_notice",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )
    op.create_table(
        "consent",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column(
            "employee_id",
            sa.String(64),
            sa.ForeignKey("employee.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "notice_version",
            sa.Integer,
            sa.ForeignKey("consent_notice.version"),
            nullable=False,
        ),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("signature", sa.Text, nullable=True),
        sa.Column("reference", sa.Text, nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.CheckConstraint(
            "decision IN ('given', 'declined', 'withdrawn')", name="consent_decision"
        ),
        sa.CheckConstraint("method IN ('signature', 'paper', 'external')", name="consent_method"),
    )
    # A person's latest decision is the one in force.
    op.create_index("consent_employee", "consent", ["employee_id", "id"])
    # The retention job looks people up by their last check-in.
    op.create_index(
        "checkin_employee_matched_at",
        "checkin",
        ["employee_id", "created_at"],
        postgresql_where=sa.text("matched"),
    )


def downgrade() -> None:
    op.drop_index("checkin_employee_matched_at", "checkin")
    op.drop_table("consent")
    op.drop_table("consent_notice")
    # `biometrics` stays: the way in without a face may own it (see upgrade).
    for constraint in ("employee_left_on", "employee_status"):
        op.drop_constraint(constraint, "employee")
    for column in ("left_on", "status"):
        op.drop_column("employee", column)
