"""The gallery's row gains the threshold floor an admin may set: the calibrated thresholds
are never looser than those for this many faces (empty: MATCH_MIN_GALLERY, default 100).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.add_column("gallery", sa.Column("match_min_gallery", sa.Integer, nullable=True))
    op.create_check_constraint(
        "gallery_match_min_gallery_positive", "gallery", "match_min_gallery >= 1"
    )


def downgrade() -> None:
    op.drop_constraint("gallery_match_min_gallery_positive", "gallery", type_="check")
    op.drop_column("gallery", "match_min_gallery")
