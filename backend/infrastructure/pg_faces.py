"""Employees and faces in PostgreSQL, searched in the current generation's vectors
through its pgvector HNSW index."""

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from psycopg import errors
from sqlalchemy import Connection, Engine, exc, text

from backend.domain import events
from backend.domain.errors import GalleryChanged, PhotoAlreadyEnrolled
from backend.domain.gallery_state import GalleryState
from backend.domain.model import (
    Employee,
    FaceRecord,
    GuardedInsert,
    Match,
    Quality,
)
from backend.infrastructure.database import transaction, vector_literal
from backend.infrastructure.pg_gallery import (
    ENROLL_LOCK,
    OPERATORS,
    locked_state,
    vector_table,
)
from backend.infrastructure.pg_outbox import enqueue


@contextlib.contextmanager
def moved_on(gallery: GalleryState) -> Iterator[None]:
    """A search of a generation already dropped (this replica had not yet followed the
    row) or of another dimension than the current one is GalleryChanged, not a 500."""
    try:
        yield
    except (exc.ProgrammingError, exc.DataError) as error:
        if isinstance(error.orig, (errors.UndefinedTable, errors.DataException)):
            raise GalleryChanged(
                f"the gallery moved on from generation {gallery.generation}; send again"
            ) from error
        raise


class PgFaceRepository:
    """EnrollmentFaces, CheckinFaces and GalleryStats on PostgreSQL: faces in `face`, their
    vectors in the current generation's table (pg_gallery)."""

    def __init__(self, engine: Engine, ef_search: int) -> None:
        self._engine = engine
        self._ef_search = ef_search

    # -- search ------------------------------------------------------------------------
    def nearest(self, embedding: list[float], gallery: GalleryState, limit: int = 1) -> list[Match]:
        with transaction(self._engine) as db, moved_on(gallery):
            return self._nearest(db, embedding, gallery, limit, exclude_employee=None)

    def _nearest(
        self,
        db: Connection,
        embedding: list[float],
        gallery: GalleryState,
        limit: int,
        exclude_employee: str | None,
    ) -> list[Match]:
        operator, _, distance = OPERATORS[gallery.metric]
        db.execute(text(f"SET LOCAL hnsw.ef_search = {int(self._ef_search)}"))
        where = ""
        if exclude_employee is not None:
            # Keep scanning the index past the excluded employee's own faces.
            db.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
            where = "WHERE employee_id <> :exclude"
        rows = db.execute(
            text(
                f"""
                SELECT v.face_id, v.employee_id, e.name, f.image_key, v.distance
                FROM (
                    SELECT face_id, employee_id,
                           {distance.format(d="embedding " + operator + " CAST(:q AS vector)")}
                             AS distance
                    FROM {vector_table(gallery.generation)} {where}
                    ORDER BY embedding {operator} CAST(:q AS vector)
                    LIMIT :k
                ) v JOIN face f ON f.id = v.face_id JOIN employee e ON e.id = v.employee_id
                ORDER BY v.distance
                """
            ),
            {"q": vector_literal(embedding), "k": limit, "exclude": exclude_employee},
        )
        return [
            Match(r.employee_id, r.name, r.face_id, r.image_key, float(r.distance)) for r in rows
        ]

    # -- enrollment ----------------------------------------------------------------------
    def add_face_unless_near(
        self,
        employee: Employee,
        face: FaceRecord,
        embedding: list[float],
        gallery: GalleryState,
        *,
        refuse_within: float,
        ask_within: float,
        confirmed: bool,
    ) -> GuardedInsert:
        with transaction(self._engine) as db:
            # One enrollment at a time: two photos of one face under two ids at the same
            # moment must not both pass the duplicate guard.
            db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ENROLL_LOCK})
            # Held to the commit: no re-embed switch between this check and the insert.
            if locked_state(db, gallery.metric).generation != gallery.generation:
                raise GalleryChanged(
                    "the gallery moved to a new generation while this photo was read; send it again"
                )
            self._refuse_enrolled_photo(db, face)
            near = self._nearest(db, embedding, gallery, 1, exclude_employee=employee.employee_id)
            look_alike = near[0] if near and near[0].distance <= ask_within else None
            if look_alike is not None and (look_alike.distance <= refuse_within or not confirmed):
                return GuardedInsert(inserted=False, look_alike=look_alike)
            created = db.execute(
                text(
                    "INSERT INTO employee (id, name, department, email) "
                    "VALUES (:id, :name, :department, :email) ON CONFLICT DO NOTHING"
                ),
                {
                    "id": employee.employee_id,
                    "name": employee.name,
                    "department": employee.department,
                    "email": employee.email,
                },
            )
            db.execute(
                text(
                    "INSERT INTO face (id, employee_id, model, detector, image_key, "
                    "quality, content_sha256, confirmed_distinct_from, confirmed_by) "
                    "VALUES (:id, :employee_id, :model, :detector, "
                    ":image_key, CAST(:quality AS jsonb), :sha, :distinct_from, :confirmed_by)"
                ),
                {
                    "id": face.face_id,
                    "employee_id": face.employee_id,
                    "model": face.model,
                    "detector": face.detector,
                    "image_key": face.image_key,
                    "quality": json.dumps(face.quality.__dict__),
                    "sha": face.content_sha256,
                    "distinct_from": look_alike.employee_id if look_alike else None,
                    "confirmed_by": face.confirmed_by if look_alike else None,
                },
            )
            db.execute(
                text(
                    f"INSERT INTO {vector_table(gallery.generation)} "
                    "(face_id, employee_id, embedding) VALUES (:f, :e, CAST(:v AS vector))"
                ),
                {"f": face.face_id, "e": face.employee_id, "v": vector_literal(embedding)},
            )
            enqueue(
                db,
                events.employee_enrolled(
                    employee.employee_id, employee.name, face.face_id, bool(created.rowcount)
                ),
            )
        return GuardedInsert(inserted=True, look_alike=look_alike)

    @staticmethod
    def _refuse_enrolled_photo(db: Connection, face: FaceRecord) -> None:
        # Under the enrollment lock, so that of simultaneous uploads of one photo only the
        # first is stored (the unique index face_employee_content backs this up).
        if face.content_sha256 is None:
            return
        existing = db.execute(
            text("SELECT id FROM face WHERE employee_id = :e AND content_sha256 = :h"),
            {"e": face.employee_id, "h": face.content_sha256},
        ).scalar()
        if existing is not None:
            raise PhotoAlreadyEnrolled(
                f"this photo is already enrolled for {face.employee_id}",
                {"employee_id": face.employee_id, "face_id": existing},
            )

    def face_with_photo(self, employee_id: str, content_sha256: str) -> str | None:
        with transaction(self._engine) as db:
            found: str | None = db.execute(
                text("SELECT id FROM face WHERE employee_id = :e AND content_sha256 = :h"),
                {"e": employee_id, "h": content_sha256},
            ).scalar()
        return found

    def count_faces(self) -> int:
        with transaction(self._engine) as db:
            count: int = db.execute(text("SELECT count(*) FROM face")).scalar_one()
        return count

    def count_employees(self) -> int:
        with transaction(self._engine) as db:
            count: int = db.execute(text("SELECT count(*) FROM employee")).scalar_one()
        return count


EMPLOYEE_COLUMNS = "id, name, department, email, created_at"
FACE_COLUMNS = (
    "id, employee_id, model, detector, image_key, quality, created_at, "
    "confirmed_distinct_from, confirmed_by"
)


def employee_of(row: Any) -> Employee:
    return Employee(row.id, row.name, row.department, row.email, row.created_at)


def face_of(row: Any) -> FaceRecord:
    return FaceRecord(
        face_id=row.id,
        employee_id=row.employee_id,
        model=row.model,
        detector=row.detector,
        image_key=row.image_key,
        quality=Quality(**row.quality),
        created_at=row.created_at,
        confirmed_distinct_from=row.confirmed_distinct_from,
        confirmed_by=row.confirmed_by,
    )
