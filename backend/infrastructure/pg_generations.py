"""Re-embedding in PostgreSQL: each run writes a generation table of its own, indexes it,
and switches the gallery's row to it in one update; the live tables are never altered,
so check-ins and enrollments go on meanwhile."""

from collections.abc import Callable

from sqlalchemy import Connection, Engine, text

from backend.domain.errors import DatabaseUnavailable, ReembedConflict
from backend.domain.model import FaceRecord, GenerationClaim, Metric, ModelInfo
from backend.infrastructure.database import transaction, vector_literal
from backend.infrastructure.pg_faces import FACE_COLUMNS, face_of
from backend.infrastructure.pg_gallery import (
    ENROLL_LOCK,
    SITES_OF_EMPLOYEE,
    build_index,
    claim_next_generation,
    create_generation,
    generation_tables,
    locked_state,
    vector_table,
    write_model,
)

# A dropped generation waits for searches still reading it; past this it is left for the
# next run to drop rather than queueing new readers behind the drop.
DROP_LOCK_TIMEOUT = "5s"


class PgGenerations:
    """ReembeddedGallery on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def all_faces(self) -> list[FaceRecord]:
        with transaction(self._engine) as db:
            rows = db.execute(text(f"SELECT {FACE_COLUMNS} FROM face ORDER BY id"))
            return [face_of(r) for r in rows]

    def claim_generation(self, model: ModelInfo, metric: Metric) -> GenerationClaim:
        with transaction(self._engine) as db:
            generation, base = claim_next_generation(db)
            create_generation(db, generation, model.dim)
        return GenerationClaim(generation, base, model, metric)

    def stage(self, claim: GenerationClaim, face: FaceRecord, embedding: list[float]) -> None:
        with transaction(self._engine) as db:
            self._insert(db, claim, face, embedding)

    @staticmethod
    def _insert(
        db: Connection, claim: GenerationClaim, face: FaceRecord, embedding: list[float]
    ) -> None:
        db.execute(
            text(
                f"INSERT INTO {vector_table(claim.generation)} "
                "(face_id, employee_id, embedding, sites) "
                f"VALUES (:f, :e, CAST(:v AS vector), {SITES_OF_EMPLOYEE}) "
                "ON CONFLICT (face_id) DO UPDATE SET embedding = excluded.embedding"
            ),
            {"f": face.face_id, "e": face.employee_id, "v": vector_literal(embedding)},
        )

    def faces_missing(self, claim: GenerationClaim) -> list[FaceRecord]:
        with transaction(self._engine) as db:
            return self._missing(db, claim)

    @staticmethod
    def _missing(db: Connection, claim: GenerationClaim) -> list[FaceRecord]:
        table = vector_table(claim.generation)
        rows = db.execute(
            text(
                f"SELECT {FACE_COLUMNS} FROM face f WHERE NOT EXISTS "
                f"(SELECT 1 FROM {table} v WHERE v.face_id = f.id) ORDER BY f.id"
            )
        )
        return [face_of(r) for r in rows]

    def build_index(self, claim: GenerationClaim) -> None:
        with transaction(self._engine) as db:
            build_index(db, claim.generation, claim.metric)

    def switch(self, claim: GenerationClaim, catch_up: Callable[[FaceRecord], list[float]]) -> None:
        with transaction(self._engine) as db:
            # Enrollments wait from here to the commit: none may land in the old generation
            # after its faces were counted. Check-ins do not wait (they lock nothing).
            db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ENROLL_LOCK})
            current = locked_state(db, claim.metric, "UPDATE")
            if current.generation != claim.base_generation:
                raise ReembedConflict(
                    f"another re-embedding switched the gallery to generation "
                    f"{current.generation} first; this run (generation {claim.generation}) "
                    "switched nothing",
                    {"generation": claim.generation, "current": current.generation},
                )
            table = vector_table(claim.generation)
            db.execute(text(f"DELETE FROM {table} WHERE face_id NOT IN (SELECT id FROM face)"))
            for face in self._missing(db, claim):
                self._insert(db, claim, face, catch_up(face))
            db.execute(
                text(
                    "UPDATE face SET model = :m, detector = :d WHERE model <> :m OR detector <> :d"
                ),
                {"m": claim.model.model, "d": claim.model.detector},
            )
            write_model(db, claim.model, claim.metric, claim.generation)

    def abandon(self, claim: GenerationClaim) -> None:
        with transaction(self._engine) as db:
            current = locked_state(db, claim.metric)
            if current.generation != claim.generation:  # never the gallery in use
                db.execute(text(f"DROP TABLE IF EXISTS {vector_table(claim.generation)}"))

    def retire_before(self, claim: GenerationClaim) -> None:
        with transaction(self._engine) as db:
            current = locked_state(db, claim.metric).generation
            # The generation replaced and older ones; a newer number than the replaced one
            # may be another run under way (it will lose its switch and drop its own).
            old = [t for g, t in generation_tables(db).items() if g <= claim.base_generation]
        for table in old if current == claim.generation else []:
            try:
                with transaction(self._engine) as db:
                    db.execute(text(f"SET LOCAL lock_timeout = '{DROP_LOCK_TIMEOUT}'"))
                    db.execute(text(f"DROP TABLE IF EXISTS {table}"))
            except DatabaseUnavailable:  # lock timeout: the next switch drops it
                continue
