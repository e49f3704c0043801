"""Employee department and email; the content hash of each enrolled photo.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.add_column("employee", sa.Column("department", sa.String(128), nullable=True))
    op.add_column("employee", sa.Column("email", sa.String(254), nullable=True))
    # Lets a second run of enroll-dir skip photos it already stored for an employee.
    op.add_column("face", sa.Column("content_sha256", sa.String(64), nullable=True))
    op.create_index("face_employee_content", "face", ["employee_id", "content_sha256"])


def downgrade() -> None:
    op.drop_index("face_employee_content", "face")
    op.drop_column("face", "content_sha256")
    op.drop_column("employee", "email")
    op.drop_column("employee", "department")
