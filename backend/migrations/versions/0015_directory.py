"""The company's directory: people the identity provider provisions over SCIM 2.0.

One row per provisioned employee: the SCIM userName (unique, case-insensitive, among live
resources), externalId, displayName and name parts, e-mails, the enterprise employeeNumber,
active, the version (SCIM meta.version) and when a
delete deprovisioned them (the employee and their check-ins stay). The day a person left is
the employee's own (employee.status and left_on, 0013): the retention schedule reads it.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0015"
down_revision = "0014"


def upgrade() -> None:
    now = sa.text("now()")
    op.create_table(
        "scim_user",
        sa.Column(
            "employee_id",
            sa.String(64),
            sa.ForeignKey("employee.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_name", sa.String(256), nullable=False),
        sa.Column("external_id", sa.String(256), nullable=True),
        sa.Column("display_name", sa.String(128), nullable=True),
        sa.Column("given_name", sa.String(128), nullable=True),
        sa.Column("family_name", sa.String(128), nullable=True),
        # every address as the directory lists it; the employee keeps the primary one
        sa.Column("emails", JSONB, nullable=False, server_default="[]"),
        sa.Column("employee_number", sa.String(256), nullable=True),
        # null: not given, which counts as active
        sa.Column("active", sa.Boolean, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("deprovisioned_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "scim_user_name",
        "scim_user",
        [sa.text("lower(user_name)")],
        unique=True,
        postgresql_where=sa.text("deprovisioned_at IS NULL"),
    )
    op.create_index("scim_user_external_id", "scim_user", ["external_id"])
    # Groups the directory pushes, kept as departments: a provisioned member's department is
    # the group's name; members are kept as sent (one may be provisioned after the group).
    op.create_table(
        "scim_group",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("external_id", sa.String(256), nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )
    op.create_index("scim_group_name", "scim_group", [sa.text("lower(display_name)")], unique=True)
    op.create_table(
        "scim_group_member",
        sa.Column(
            "group_id",
            sa.String(64),
            sa.ForeignKey("scim_group.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("member", sa.String(256), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scim_group_member")
    op.drop_table("scim_group")
    op.drop_table("scim_user")
