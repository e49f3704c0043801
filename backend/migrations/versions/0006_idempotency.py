"""Idempotency keys of creates: the first answer, kept 24 h, per API key.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    # status and body are written in the transaction that inserted the row, so a committed
    # row always holds its answer; the primary key makes a concurrent duplicate wait.
    # idempotency_key is the key's SHA-256 and body the answer sealed under the key (an
    # answer may carry a secret shown once): see backend/infrastructure/pg_idempotency.py.
    op.execute(
        """
        CREATE TABLE idempotency_key (
            api_key_name text NOT NULL,
            idempotency_key text NOT NULL,
            request_hash text NOT NULL,
            status integer,
            body bytea,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (api_key_name, idempotency_key)
        )
        """
    )
    op.execute("CREATE INDEX idempotency_key_created ON idempotency_key (created_at)")


def downgrade() -> None:
    op.execute("DROP TABLE idempotency_key")
