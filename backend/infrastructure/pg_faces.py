"""Employees and face vectors in PostgreSQL, searched through a pgvector HNSW index."""

import json
from typing import Any

from sqlalchemy import Connection, Engine, text

from backend.domain import events
from backend.domain.errors import ModelMismatch, PhotoAlreadyEnrolled
from backend.domain.model import (
    Employee,
    EmployeeSummary,
    FaceRecord,
    GuardedInsert,
    Match,
    Metric,
    ModelInfo,
    Page,
    Quality,
)
from backend.infrastructure.database import transaction, vector_literal
from backend.infrastructure.pg_outbox import enqueue
from backend.infrastructure.pg_restage import (
    ENROLL_LOCK,
    OPERATORS,
    RestagingMixin,
    create_embedding_index,
    drop_embedding_indexes,
)


class PgFaceRepository(RestagingMixin):
    """FaceRepository on PostgreSQL+pgvector."""

    def __init__(self, engine: Engine, ef_search: int = 64) -> None:
        self._engine = engine
        self._ef_search = ef_search

    # -- the gallery's model ---------------------------------------------------------
    def gallery_model(self) -> ModelInfo | None:
        with transaction(self._engine) as db:
            row = db.execute(text("SELECT model, detector, dim FROM gallery")).first()
        return None if row is None else ModelInfo(row.model, row.dim, row.detector)

    def adopt_model(self, model: ModelInfo, metric: Metric) -> None:
        """Make the gallery hold `model`'s vectors; refuse if it holds another's faces."""
        with transaction(self._engine) as db:
            db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ENROLL_LOCK})
            row = db.execute(text("SELECT model, detector, dim FROM gallery")).first()
            if row is not None and (row.model, row.dim) != (model.model, model.dim):
                faces = db.execute(text("SELECT count(*) FROM face")).scalar_one()
                if faces:
                    raise ModelMismatch(
                        f"the gallery holds {faces} {row.model} ({row.dim}-d) faces but the "
                        f"embedder runs {model.model} ({model.dim}-d); start the embedder "
                        f"with EMBEDDER_MODEL={row.model}, or move the gallery to "
                        f"{model.model} with `facegate reembed --model {model.model}` "
                        "(README, Face model)"
                    )
                db.execute(text("DELETE FROM gallery"))
                row = None
            if row is None:
                db.execute(
                    text("INSERT INTO gallery (id, model, detector, dim) VALUES (1, :m, :d, :n)"),
                    {"m": model.model, "d": model.detector, "n": model.dim},
                )
                self._type_embeddings(db, model.dim)
            create_embedding_index(db, metric)

    @staticmethod
    def _type_embeddings(db: Connection, dim: int) -> None:
        # An HNSW index needs a typed column; the face table is empty at this point.
        drop_embedding_indexes(db)
        db.execute(text(f"ALTER TABLE face ALTER COLUMN embedding TYPE vector({int(dim)})"))

    # -- search ------------------------------------------------------------------------
    def nearest(self, embedding: list[float], metric: Metric, limit: int = 1) -> list[Match]:
        with transaction(self._engine) as db:
            return self._nearest(db, embedding, metric, limit, exclude_employee=None)

    def _nearest(
        self,
        db: Connection,
        embedding: list[float],
        metric: Metric,
        limit: int,
        exclude_employee: str | None,
    ) -> list[Match]:
        operator, _, distance = OPERATORS[metric]
        db.execute(text(f"SET LOCAL hnsw.ef_search = {int(self._ef_search)}"))
        where = ""
        if exclude_employee is not None:
            # Keep scanning the index past the excluded employee's own faces.
            db.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
            where = "WHERE employee_id <> :exclude"
        rows = db.execute(
            text(
                f"""
                SELECT f.id, f.employee_id, e.name, f.image_key, f.distance
                FROM (
                    SELECT id, employee_id, image_key,
                           {distance.format(d="embedding " + operator + " CAST(:q AS vector)")}
                             AS distance
                    FROM face {where}
                    ORDER BY embedding {operator} CAST(:q AS vector)
                    LIMIT :k
                ) f JOIN employee e ON e.id = f.employee_id
                ORDER BY f.distance
                """
            ),
            {"q": vector_literal(embedding), "k": limit, "exclude": exclude_employee},
        )
        return [Match(r.employee_id, r.name, r.id, r.image_key, float(r.distance)) for r in rows]

    # -- enrollment ----------------------------------------------------------------------
    def add_face_unless_near(
        self,
        employee: Employee,
        face: FaceRecord,
        embedding: list[float],
        metric: Metric,
        *,
        refuse_within: float,
        ask_within: float,
        confirmed: bool,
    ) -> GuardedInsert:
        with transaction(self._engine) as db:
            # One enrollment at a time: two photos of one face under two ids at the same
            # moment must not both pass the duplicate guard.
            db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ENROLL_LOCK})
            self._refuse_enrolled_photo(db, face)
            near = self._nearest(db, embedding, metric, 1, exclude_employee=employee.employee_id)
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
                    "INSERT INTO face (id, employee_id, embedding, model, detector, image_key, "
                    "quality, content_sha256, confirmed_distinct_from, confirmed_by) "
                    "VALUES (:id, :employee_id, CAST(:embedding AS vector), :model, :detector, "
                    ":image_key, CAST(:quality AS jsonb), :sha, :distinct_from, :confirmed_by)"
                ),
                {
                    "id": face.face_id,
                    "employee_id": face.employee_id,
                    "embedding": vector_literal(embedding),
                    "model": face.model,
                    "detector": face.detector,
                    "image_key": face.image_key,
                    "quality": json.dumps(face.quality.__dict__),
                    "sha": face.content_sha256,
                    "distinct_from": look_alike.employee_id if look_alike else None,
                    "confirmed_by": face.confirmed_by if look_alike else None,
                },
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

    # -- administration ------------------------------------------------------------------
    def face_with_photo(self, employee_id: str, content_sha256: str) -> str | None:
        with transaction(self._engine) as db:
            found: str | None = db.execute(
                text("SELECT id FROM face WHERE employee_id = :e AND content_sha256 = :h"),
                {"e": employee_id, "h": content_sha256},
            ).scalar()
        return found

    def get_employee(self, employee_id: str) -> Employee | None:
        with transaction(self._engine) as db:
            row = db.execute(
                text(f"SELECT {EMPLOYEE_COLUMNS} FROM employee WHERE id = :id"),
                {"id": employee_id},
            ).first()
        return None if row is None else _employee(row)

    def update_employee(self, employee_id: str, changes: dict[str, str | None]) -> Employee | None:
        columns = [c for c in ("name", "department", "email") if c in changes]
        with transaction(self._engine) as db:
            if columns:
                assignments = ", ".join(f"{c} = :{c}" for c in columns)
                db.execute(
                    text(f"UPDATE employee SET {assignments} WHERE id = :id"),
                    {**{c: changes[c] for c in columns}, "id": employee_id},  # type: ignore[misc]
                )
            row = db.execute(
                text(f"SELECT {EMPLOYEE_COLUMNS} FROM employee WHERE id = :id"),
                {"id": employee_id},
            ).first()
        return None if row is None else _employee(row)

    def list_employees(self, limit: int, offset: int) -> Page:
        with transaction(self._engine) as db:
            total = db.execute(text("SELECT count(*) FROM employee")).scalar_one()
            rows = db.execute(
                text(f"SELECT {EMPLOYEE_COLUMNS} FROM employee ORDER BY id LIMIT :l OFFSET :o"),
                {"l": limit, "o": offset},
            )
            items = [_employee(r) for r in rows]
        return Page(items, total, limit, offset)

    def employee_summaries(self, search: str, limit: int, offset: int) -> Page:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where = "WHERE e.id ILIKE :p OR e.name ILIKE :p OR e.department ILIKE :p" if search else ""
        with transaction(self._engine) as db:
            total = db.execute(
                text(f"SELECT count(*) FROM employee e {where}"), {"p": pattern}
            ).scalar_one()
            rows = db.execute(
                text(
                    f"SELECT e.id, e.name, e.department, e.email, e.created_at, "
                    "(SELECT count(*) FROM face f WHERE f.employee_id = e.id) AS faces, "
                    "(SELECT max(c.created_at) FROM checkin c "
                    " WHERE c.employee_id = e.id AND c.matched) AS last_checkin "
                    f"FROM employee e {where} ORDER BY e.id LIMIT :l OFFSET :o"
                ),
                {"p": pattern, "l": limit, "o": offset},
            )
            items = [EmployeeSummary(_employee(r), r.faces, r.last_checkin) for r in rows]
        return Page(items, total, limit, offset)

    def count_faces(self) -> int:
        with transaction(self._engine) as db:
            count: int = db.execute(text("SELECT count(*) FROM face")).scalar_one()
        return count

    def count_employees(self) -> int:
        with transaction(self._engine) as db:
            count: int = db.execute(text("SELECT count(*) FROM employee")).scalar_one()
        return count

    def all_faces(self) -> list[FaceRecord]:
        with transaction(self._engine) as db:
            rows = db.execute(text(f"SELECT {FACE_COLUMNS} FROM face ORDER BY id"))
            return [_face(r) for r in rows]

    def faces_of(self, employee_id: str) -> list[FaceRecord]:
        with transaction(self._engine) as db:
            rows = db.execute(
                text(
                    f"SELECT {FACE_COLUMNS} FROM face WHERE employee_id = :id "
                    "ORDER BY created_at, id"
                ),
                {"id": employee_id},
            )
            return [_face(r) for r in rows]

    def delete_employee(self, employee_id: str) -> bool:
        # Faces and check-ins go with it (ON DELETE CASCADE), in one transaction.
        with transaction(self._engine) as db:
            deleted = db.execute(
                text("DELETE FROM employee WHERE id = :id"), {"id": employee_id}
            ).rowcount
            if deleted:
                enqueue(db, events.employee_erased(employee_id))
        return bool(deleted)

    def delete_face(self, employee_id: str, face_id: str) -> FaceRecord | None:
        with transaction(self._engine) as db:
            row = db.execute(
                text(
                    f"DELETE FROM face WHERE id = :f AND employee_id = :e RETURNING {FACE_COLUMNS}"
                ),
                {"f": face_id, "e": employee_id},
            ).first()
        return None if row is None else _face(row)


EMPLOYEE_COLUMNS = "id, name, department, email, created_at"
FACE_COLUMNS = (
    "id, employee_id, model, detector, image_key, quality, created_at, "
    "confirmed_distinct_from, confirmed_by"
)


def _employee(row: Any) -> Employee:
    return Employee(row.id, row.name, row.department, row.email, row.created_at)


def _face(row: Any) -> FaceRecord:
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
