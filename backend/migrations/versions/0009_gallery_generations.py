"""The gallery's row every replica follows, and vectors by generation.

The row gains the metric, the current generation and the threshold settings an admin may
set; its model columns may be empty until the first backend binds the gallery. Vectors
leave the face table for a table per generation with its own HNSW index: an existing
gallery's vectors become generation 1, indexed here, so that no start ever builds an
index again.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from backend.domain.model import Metric
from backend.infrastructure.pg_gallery import (
    OPERATORS,
    build_index,
    create_generation,
    generation_tables,
    vector_table,
)

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    db = op.get_bind()
    for column in ("model", "detector", "dim"):
        op.alter_column("gallery", column, nullable=True)
    op.add_column("gallery", sa.Column("metric", sa.Text, nullable=True))
    op.add_column("gallery", sa.Column("thresholds", JSONB, nullable=False, server_default="{}"))
    op.add_column(
        "gallery", sa.Column("generation", sa.Integer, nullable=False, server_default="0")
    )
    # The last generation number given to anyone: a run claims the next one.
    op.add_column(
        "gallery", sa.Column("next_generation", sa.Integer, nullable=False, server_default="0")
    )
    for setting in (
        "stranger_accept_rate",
        "match_threshold",
        "duplicate_threshold",
        "match_margin",
    ):
        op.add_column("gallery", sa.Column(setting, sa.Float(precision=53), nullable=True))
    op.add_column(
        "gallery",
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("now()"),
        ),
    )
    op.create_check_constraint("gallery_one_row", "gallery", "id = 1")

    bound = db.execute(sa.text("SELECT dim FROM gallery")).first()
    if bound is None:
        db.execute(sa.text("INSERT INTO gallery (id) VALUES (1)"))
    else:
        metric = _indexed_metric(db)
        create_generation(db, 1, int(bound.dim))
        db.execute(
            sa.text(
                f"INSERT INTO {vector_table(1)} (face_id, employee_id, embedding) "
                "SELECT id, employee_id, embedding FROM face"
            )
        )
        build_index(db, 1, metric)
        db.execute(
            sa.text("UPDATE gallery SET metric = :m, generation = 1, next_generation = 1"),
            {"m": metric.value},
        )
    db.execute(sa.text("DROP TABLE IF EXISTS face_restaged"))
    op.drop_column("face", "embedding")  # its HNSW index goes with it


def _indexed_metric(db: sa.Connection) -> Metric:
    """The metric of the index the backend had made at start (cosine by default)."""
    names = set(
        db.execute(
            sa.text("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'face_embedding_%'")
        ).scalars()
    )
    for metric, (_, opclass, _) in OPERATORS.items():
        if f"face_embedding_{opclass}" in names:
            return metric
    return Metric.COSINE


def downgrade() -> None:
    db = op.get_bind()
    op.add_column("face", sa.Column("embedding", sa.Text, nullable=True))
    generation = db.execute(sa.text("SELECT generation FROM gallery")).scalar()
    tables = generation_tables(db)
    if generation in tables:
        db.execute(
            sa.text(
                f"UPDATE face SET embedding = v.embedding::text FROM {tables[generation]} v "
                "WHERE v.face_id = face.id"
            )
        )
    db.execute(
        sa.text("ALTER TABLE face ALTER COLUMN embedding TYPE vector USING embedding::vector")
    )
    for table in tables.values():
        db.execute(sa.text(f"DROP TABLE {table}"))
    db.execute(sa.text("DELETE FROM gallery WHERE model IS NULL"))
    op.drop_constraint("gallery_one_row", "gallery")
    for column in (
        "metric",
        "thresholds",
        "generation",
        "next_generation",
        "stranger_accept_rate",
        "match_threshold",
        "duplicate_threshold",
        "match_margin",
        "updated_at",
    ):
        op.drop_column("gallery", column)
