"""Several offices: sites with a time zone and a working-day start, kiosk keys with a site
and a direction, check-ins with the site and direction they were made at, and the sites
an employee may check in at (all of them unless listed).

Everything that exists moves into the default site (id 1), whose time zone is the
installation's TIMEZONE setting, so that one site looks and works as before.

Revision ID: 0014
Revises: 0013
"""

import os

import sqlalchemy as sa
from alembic import op

from backend.infrastructure.pg_gallery import build_sites_index, generation_tables

revision = "0014"
down_revision = "0013"

DIRECTIONS = "direction IN ('in', 'out', 'both')"


def upgrade() -> None:
    op.create_table(
        "site",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("timezone", sa.Text, nullable=False),
        sa.Column("day_start_hour", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("expected_start", sa.Time, nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint("day_start_hour BETWEEN 0 AND 23", name="site_day_start_hour"),
    )
    # The installation's office becomes site 1 (the setting is read once, here: after this
    # the site row is the one place its time zone lives).
    op.execute(
        sa.text("INSERT INTO site (id, name, timezone) VALUES (1, 'Main office', :tz)").bindparams(
            tz=os.environ.get("TIMEZONE", "UTC") or "UTC"
        )
    )
    op.execute("SELECT setval(pg_get_serial_sequence('site', 'id'), 1)")
    op.add_column(
        "api_key",
        sa.Column(
            "site_id",
            sa.Integer,
            sa.ForeignKey("site.id"),
            nullable=False,
            server_default="1",
        ),
    )
    op.add_column("api_key", sa.Column("direction", sa.Text, nullable=False, server_default="both"))
    op.create_check_constraint("api_key_direction", "api_key", DIRECTIONS)
    op.add_column(
        "checkin",
        sa.Column(
            "site_id", sa.Integer, sa.ForeignKey("site.id"), nullable=False, server_default="1"
        ),
    )
    # "in" or "out" for a matched check-in; the rows from before sites have none.
    op.add_column("checkin", sa.Column("direction", sa.Text, nullable=True))
    op.create_check_constraint(
        "checkin_direction", "checkin", "direction IS NULL OR direction IN ('in', 'out')"
    )
    op.add_column(
        "employee", sa.Column("all_sites", sa.Boolean, nullable=False, server_default="true")
    )
    op.create_table(
        "employee_site",
        sa.Column(
            "employee_id",
            sa.String(64),
            sa.ForeignKey("employee.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "site_id", sa.Integer, sa.ForeignKey("site.id", ondelete="CASCADE"), primary_key=True
        ),
    )
    op.create_index("employee_site_by_site", "employee_site", ["site_id", "employee_id"])
    # HR's counter of faces known at another site but not allowed at this kiosk's.
    op.add_column(
        "unknown_attempt",
        sa.Column("not_allowed", sa.Integer, nullable=False, server_default="0"),
    )
    # Each vector carries its employee's sites ({0}: every site), filtered inside the
    # HNSW scan; every existing vector belongs to someone allowed everywhere.
    db = op.get_bind()
    # (IF NOT EXISTS: migration 0009 makes its table with today's create_generation.)
    for table in generation_tables(db).values():
        db.execute(
            sa.text(
                f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS sites integer[] NOT NULL "
                "DEFAULT '{0}'"
            )
        )
        build_sites_index(db, int(table.rsplit("_", 1)[1]))


def downgrade() -> None:
    for table in generation_tables(op.get_bind()).values():
        op.drop_column(table, "sites")
    op.drop_column("unknown_attempt", "not_allowed")
    op.drop_table("employee_site")
    op.drop_column("employee", "all_sites")
    op.drop_constraint("checkin_direction", "checkin")
    op.drop_column("checkin", "direction")
    op.drop_column("checkin", "site_id")
    op.drop_constraint("api_key_direction", "api_key")
    op.drop_column("api_key", "direction")
    op.drop_column("api_key", "site_id")
    op.drop_table("site")
