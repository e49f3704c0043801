"""One face per photo and employee: the content-hash index becomes unique.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # Galleries enrolled before this may hold the same photo twice for one employee (the
    # check raced). Keep those faces but forget the hash of all but the oldest, so the
    # unique index can be built; a NULL hash never conflicts.
    op.execute(
        """
        UPDATE face SET content_sha256 = NULL
        WHERE content_sha256 IS NOT NULL AND id IN (
            SELECT id FROM (
                SELECT id, row_number() OVER (
                    PARTITION BY employee_id, content_sha256 ORDER BY created_at, id
                ) AS n
                FROM face WHERE content_sha256 IS NOT NULL
            ) ranked WHERE n > 1
        )
        """
    )
    op.drop_index("face_employee_content", "face")
    op.create_index("face_employee_content", "face", ["employee_id", "content_sha256"], unique=True)


def downgrade() -> None:
    op.drop_index("face_employee_content", "face")
    op.create_index("face_employee_content", "face", ["employee_id", "content_sha256"])
