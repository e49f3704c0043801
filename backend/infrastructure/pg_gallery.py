"""The gallery in PostgreSQL: its one row (model, metric, generation, threshold settings),
its generations of vectors (a table each, with its own HNSW index), the operators per
metric and the enrollment lock.

A generation's table is made when the generation is claimed (migration 0009 for a gallery
that existed before, the first binding of an empty gallery, each re-embed run) and never
again at start: a start only reads the row."""

import json
from typing import Any

from sqlalchemy import Connection, Engine, text

from backend.domain.gallery_state import GalleryState, ThresholdOverrides, may_adopt
from backend.domain.model import Metric, ModelInfo
from backend.infrastructure.database import transaction

# pgvector operator and HNSW operator class per metric. Stored vectors are unit length,
# so for inner product 1 + (a <#> b) = 1 - a.b is the cosine distance.
OPERATORS = {
    Metric.COSINE: ("<=>", "vector_cosine_ops", "{d}"),
    Metric.EUCLIDEAN: ("<->", "vector_l2_ops", "{d}"),
    Metric.INNER_PRODUCT: ("<#>", "vector_ip_ops", "1 + ({d})"),
}
ENROLL_LOCK = 0x6661636567617465  # pg_advisory_xact_lock key: "facegate"
# HNSW build parameters: ef_construction 128 gave recall 1.0 at 100k where 64 gave 0.986.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128
# 64 MB of build memory took 64 s at 100k faces, 512 MB about 21 s.
HNSW_BUILD_MEMORY = "512MB"
GENERATION_TABLES = r"^face_vector_[0-9]+$"
ROW_COLUMNS = (
    "model, detector, dim, thresholds, metric, generation, "
    "stranger_accept_rate, match_threshold, duplicate_threshold, match_margin, match_min_gallery"
)


def vector_table(generation: int) -> str:
    """The table holding one generation's vectors."""
    return f"face_vector_{int(generation)}"


# The sites a vector's employee may check in at, copied onto each vector so that a search
# at a site filters inside the HNSW scan with no join: {0} is "every site" (ANY_SITE).
ANY_SITE = 0
SITES_OF_EMPLOYEE = (
    "(SELECT CASE WHEN e.all_sites THEN ARRAY[0] ELSE coalesce((SELECT array_agg(s.site_id "
    "ORDER BY s.site_id) FROM employee_site s WHERE s.employee_id = e.id), '{}') END "
    "FROM employee e WHERE e.id = CAST(:e AS varchar))"
)


def create_generation(db: Connection, generation: int, dim: int) -> None:
    """An empty table for one generation's vectors, typed to the model's dimension.

    No foreign key to face: dropping a table that has one locks face (ACCESS EXCLUSIVE)
    to remove its triggers; deletions remove vectors themselves (delete_vectors)."""
    db.execute(
        text(
            f"CREATE TABLE {vector_table(generation)} (face_id varchar(32) PRIMARY KEY, "
            f"employee_id varchar(64) NOT NULL, embedding vector({int(dim)}) NOT NULL, "
            "sites integer[] NOT NULL DEFAULT '{0}')"
        )
    )


def build_index(db: Connection, generation: int, metric: Metric) -> None:
    """The generation's HNSW index; built before the generation is switched in, on a
    table only its own run writes, so nobody waits for it."""
    _, opclass, _ = OPERATORS[metric]
    db.execute(text(f"SET LOCAL maintenance_work_mem = '{HNSW_BUILD_MEMORY}'"))
    table = vector_table(generation)
    db.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS {table}_hnsw ON {table} USING hnsw "
            f"(embedding {opclass}) WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
        )
    )
    build_sites_index(db, generation)


def build_sites_index(db: Connection, generation: int) -> None:
    """The GIN index on the vectors' sites: a small site's faces are read through it."""
    table = vector_table(generation)
    db.execute(text(f"CREATE INDEX IF NOT EXISTS {table}_sites ON {table} USING gin (sites)"))


def generation_tables(db: Connection) -> dict[int, str]:
    """Every generation's table there is (the current one, runs under way, leftovers)."""
    names = db.execute(
        text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename ~ :p"
        ),
        {"p": GENERATION_TABLES},
    ).scalars()
    return {int(name.rsplit("_", 1)[1]): name for name in names}


def delete_vectors(db: Connection, where: str, params: dict[str, Any]) -> None:
    """Delete the vectors of the faces `where` selects (on face) from every generation;
    the caller holds the row FOR SHARE, so no switch runs meanwhile."""
    for table in generation_tables(db).values():
        db.execute(
            text(f"DELETE FROM {table} WHERE face_id IN (SELECT id FROM face {where})"), params
        )


def locked_state(db: Connection, default_metric: Metric, mode: str = "SHARE") -> GalleryState:
    """The row, locked FOR SHARE (writers of vectors) or FOR UPDATE (a switch, a binding)
    until the transaction ends."""
    row = db.execute(text(f"SELECT {ROW_COLUMNS} FROM gallery WHERE id = 1 FOR {mode}")).one()
    return state_of(row, default_metric)


def state_of(row: Any, default_metric: Metric) -> GalleryState:
    model = (
        None if row.model is None else ModelInfo(row.model, row.dim, row.detector, row.thresholds)
    )
    return GalleryState(
        model=model,
        metric=Metric(row.metric) if row.metric else default_metric,
        generation=row.generation,
        overrides=ThresholdOverrides(
            stranger_accept_rate=row.stranger_accept_rate,
            match_threshold=row.match_threshold,
            duplicate_threshold=row.duplicate_threshold,
            match_margin=row.match_margin,
            match_min_gallery=row.match_min_gallery,
        ),
    )


def write_model(db: Connection, model: ModelInfo, metric: Metric, generation: int) -> None:
    db.execute(
        text(
            "UPDATE gallery SET model = :m, detector = :d, dim = :n, "
            "thresholds = CAST(:t AS jsonb), metric = :metric, generation = :g, "
            "updated_at = now() WHERE id = 1"
        ),
        {
            "m": model.model,
            "d": model.detector,
            "n": model.dim,
            "t": json.dumps(model.thresholds),
            "metric": metric.value,
            "g": generation,
        },
    )


def claim_next_generation(db: Connection) -> tuple[int, int]:
    """A generation number no run was given before, and the current one."""
    row = db.execute(
        text(
            "UPDATE gallery SET next_generation = next_generation + 1 WHERE id = 1 "
            "RETURNING next_generation, generation"
        )
    ).one()
    return int(row.next_generation), int(row.generation)


class PgGalleryRow:
    """GalleryRow on PostgreSQL: one row, read by primary key (a cheap read)."""

    def __init__(self, engine: Engine, default_metric: Metric = Metric.COSINE) -> None:
        self._engine = engine
        self._default_metric = default_metric

    def read(self) -> GalleryState:
        with transaction(self._engine) as db:
            row = db.execute(text(f"SELECT {ROW_COLUMNS} FROM gallery WHERE id = 1")).one()
        return state_of(row, self._default_metric)

    def bind(self, model: ModelInfo, metric: Metric) -> GalleryState:
        with transaction(self._engine) as db:
            state = locked_state(db, self._default_metric, "UPDATE")
            faces = db.execute(text("SELECT count(*) FROM face")).scalar_one()
            if may_adopt(state.model, model, faces):
                # Unbound or empty: a first generation of the model's dimension, empty, so
                # its index costs nothing and blocks nobody. This runs once, not each start.
                generation, _ = claim_next_generation(db)
                create_generation(db, generation, model.dim)
                build_index(db, generation, metric)
                write_model(db, model, metric, generation)
                for old, table in generation_tables(db).items():
                    if old < generation:
                        db.execute(text(f"DROP TABLE {table}"))
            elif state.model is not None and state.model.thresholds != model.thresholds:
                write_model(db, model, state.metric, state.generation)
        return self.read()

    def set_thresholds(self, changes: dict[str, float | None]) -> GalleryState:
        names = [name for name in ThresholdOverrides.__dataclass_fields__ if name in changes]
        if names:
            assignments = ", ".join(f"{name} = :{name}" for name in names)
            with transaction(self._engine) as db:
                db.execute(
                    text(f"UPDATE gallery SET {assignments}, updated_at = now() WHERE id = 1"),
                    {name: changes[name] for name in names},
                )
        return self.read()
