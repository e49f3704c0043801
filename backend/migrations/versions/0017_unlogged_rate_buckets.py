"""The search rate limiter's buckets unlogged: every check-in takes a token, and a logged
row made each one's commit wait for a WAL flush (and, in the failover cluster, for the
synchronous standby) for state nobody needs after a crash. An unlogged table is emptied
by a crash or a failover: every key's bucket then starts full again, as a new key's does.

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"


def upgrade() -> None:
    op.execute("ALTER TABLE rate_bucket SET UNLOGGED")


def downgrade() -> None:
    op.execute("ALTER TABLE rate_bucket SET LOGGED")
