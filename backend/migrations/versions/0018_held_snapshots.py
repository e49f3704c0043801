"""A check-in's snapshot held in its own row until the object store has it: the answer
no longer waits for the store. The row and its snapshot commit together (a row never
names a snapshot that will not come); the replica that answered stores it right after,
and the snapshot upload job of any replica stores what a crash or an outage left held.

Sealed as the store will keep it (when storage keys are set). EXTERNAL storage: JPEG and
sealed bytes do not compress, so PostgreSQL does not try. The partial index finds the
few rows still holding one.

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"


def upgrade() -> None:
    op.execute("ALTER TABLE checkin ADD COLUMN snapshot_held bytea")
    op.execute("ALTER TABLE checkin ALTER COLUMN snapshot_held SET STORAGE EXTERNAL")
    op.execute("CREATE INDEX checkin_snapshot_held ON checkin (id) WHERE snapshot_held IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX checkin_snapshot_held")
    op.execute("ALTER TABLE checkin DROP COLUMN snapshot_held")
