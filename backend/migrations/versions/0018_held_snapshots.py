"""A check-in's snapshot held beside its row until the object store has it: the answer no
longer waits for the store. The row and its held snapshot commit together (a row never
names a snapshot that will not come); the replica that answered stores it right after and
deletes the holds of what it stored in batches, and the snapshot upload job of any replica
stores what a crash or an outage left held (held_at: holds older than a few seconds only,
not those whose replica is about to let them go).

A table of its own, not a column of checkin: holds come and go within milliseconds, and
there they churn a small table with one index instead of rewriting check-in rows and
every index on them. Sealed as the store will keep it (when storage keys are set). MAIN
storage: a ~4 kB crop stays in the row (no TOAST table), compression is tried and given up
quickly on JPEG or sealed bytes. The row's deletion or erasure takes its hold with it.

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"


def upgrade() -> None:
    op.execute(
        "CREATE TABLE snapshot_hold ("
        "checkin_id bigint PRIMARY KEY REFERENCES checkin (id) ON DELETE CASCADE, "
        "body bytea NOT NULL, "
        "held_at timestamptz NOT NULL DEFAULT now())"
    )
    op.execute("ALTER TABLE snapshot_hold ALTER COLUMN body SET STORAGE MAIN")


def downgrade() -> None:
    op.execute("DROP TABLE snapshot_hold")
