"""The stores of a unit of work on PostgreSQL: facts read and rows written on the unit
of work's connection, in its transaction. They decide nothing (the use cases do)."""

import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, text

from backend.domain.evidence import SNAPSHOT_TYPE
from backend.domain.gallery_state import GalleryState
from backend.domain.model import Checkin, CheckinMethod, Employee, FaceRecord, Match, Metric
from backend.domain.privacy import Destroyed
from backend.domain.site_model import DEFAULT_SITE_ID, Direction
from backend.infrastructure.database import vector_literal
from backend.infrastructure.pg_faces import FACE_COLUMNS, face_of, nearest_faces
from backend.infrastructure.pg_gallery import (
    SITES_OF_EMPLOYEE,
    delete_vectors,
    locked_state,
    vector_table,
)

CHECKIN_COLUMNS = (
    "id, employee_id, matched, distance, api_key_name, created_at, snapshot_key, face_id, "
    "method, site_id, direction"
)


class PgFaceWrites:
    """FaceWrites: the gallery under one transaction."""

    def __init__(self, db: Connection, ef_search: int) -> None:
        self._db = db
        self._ef_search = ef_search

    def current_generation(self, metric: Metric) -> int:
        # FOR SHARE to the commit: no re-embed switch between the caller's check and insert.
        return locked_state(self._db, metric).generation

    def face_with_photo(self, employee_id: str, content_sha256: str) -> str | None:
        found: str | None = self._db.execute(
            text("SELECT id FROM face WHERE employee_id = :e AND content_sha256 = :h"),
            {"e": employee_id, "h": content_sha256},
        ).scalar()
        return found

    def nearest_of_another(
        self, embedding: list[float], gallery: GalleryState, employee_id: str
    ) -> Match | None:
        near = nearest_faces(self._db, self._ef_search, embedding, gallery, 1, employee_id)
        return near[0] if near else None

    def add_face(
        self, employee: Employee, face: FaceRecord, embedding: list[float], gallery: GalleryState
    ) -> bool:
        created = self._db.execute(
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
        self._db.execute(
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
                "distinct_from": face.confirmed_distinct_from,
                "confirmed_by": face.confirmed_by,
            },
        )
        self._db.execute(
            text(
                f"INSERT INTO {vector_table(gallery.generation)} "
                "(face_id, employee_id, embedding, sites) "
                f"VALUES (:f, :e, CAST(:v AS vector), {SITES_OF_EMPLOYEE})"
            ),
            {"f": face.face_id, "e": face.employee_id, "v": vector_literal(embedding)},
        )
        return bool(created.rowcount)

    def delete_employee(self, employee_id: str) -> bool:
        # Faces and check-ins go with it (ON DELETE CASCADE); every generation's vectors
        # too, under the gallery row FOR SHARE so that no switch runs meanwhile.
        locked_state(self._db, Metric.COSINE)
        delete_vectors(self._db, "WHERE employee_id = :e", {"e": employee_id})
        deleted = self._db.execute(
            text("DELETE FROM employee WHERE id = :e"), {"e": employee_id}
        ).rowcount
        return bool(deleted)

    def delete_face(self, employee_id: str, face_id: str) -> FaceRecord | None:
        locked_state(self._db, Metric.COSINE)  # no switch meanwhile
        where = "WHERE id = :f AND employee_id = :e"
        delete_vectors(self._db, where, {"f": face_id, "e": employee_id})
        row = self._db.execute(
            text(f"DELETE FROM face {where} RETURNING {FACE_COLUMNS}"),
            {"f": face_id, "e": employee_id},
        ).first()
        return None if row is None else face_of(row)

    def biometrics_of(self, employee_id: str) -> str | None:
        found: str | None = self._db.execute(
            text("SELECT biometrics FROM employee WHERE id = :e"), {"e": employee_id}
        ).scalar()
        return found

    def set_biometrics(self, employee_id: str, biometrics: str) -> bool:
        updated = self._db.execute(
            text("UPDATE employee SET biometrics = :b WHERE id = :e"),
            {"b": str(biometrics), "e": employee_id},
        ).rowcount
        return bool(updated)

    def destroy_biometrics(self, employee_id: str) -> Destroyed | None:
        locked_state(self._db, Metric.COSINE)  # no re-embed switch meanwhile
        delete_vectors(self._db, "WHERE employee_id = :e", {"e": employee_id})
        faces = self._db.execute(
            text("DELETE FROM face WHERE employee_id = :e"), {"e": employee_id}
        ).rowcount
        # The attendance rows stay; their link to the face and its snapshot goes, with any
        # snapshot still held for the store.
        self._db.execute(
            text(
                "DELETE FROM snapshot_hold h USING checkin c "
                "WHERE h.checkin_id = c.id AND c.employee_id = :e"
            ),
            {"e": employee_id},
        )
        snapshots = self._db.execute(
            text(
                "UPDATE checkin SET snapshot_key = NULL, face_id = NULL WHERE employee_id = :e "
                "AND (snapshot_key IS NOT NULL OR face_id IS NOT NULL)"
            ),
            {"e": employee_id},
        ).rowcount
        return Destroyed(employee_id, faces, snapshots) if faces or snapshots else None


# What a held snapshot becomes before its row takes it: sealed as the object store will
# keep it (SealedImageStore.sealed), so no plaintext face lies in the database either.
Seal = Callable[[str, bytes, str], bytes]


def as_is(key: str, data: bytes, content_type: str) -> bytes:
    """No storage keys: held as it will be stored."""
    return data


class PgCheckinWrites:
    """CheckinWrites: the check-in log under one transaction."""

    def __init__(self, db: Connection, seal: Seal = as_is) -> None:
        self._db = db
        self._seal = seal

    def now(self) -> datetime:
        # clock_timestamp(), not now(): the time after the caller's lock, so rows keep the
        # order in which they were decided.
        moment: datetime = self._db.execute(text("SELECT clock_timestamp()")).scalar_one()
        return moment

    def clock_and_last_matched(self, employee_id: str) -> tuple[datetime, Checkin | None]:
        # One statement, one round trip. Under READ COMMITTED its snapshot is taken when
        # it starts, so it must come after the statement that took the caller's lock (a
        # read in the lock's own statement could miss a check-in committed while it waited).
        row = self._db.execute(
            text(
                f"SELECT clock_timestamp() AS clock, last.* FROM (SELECT 1) AS one "
                f"LEFT JOIN LATERAL (SELECT {CHECKIN_COLUMNS} FROM checkin "
                "WHERE employee_id = :e AND matched "
                "ORDER BY created_at DESC, id DESC LIMIT 1) AS last ON true"
            ),
            {"e": employee_id},
        ).one()
        if row.id is None:
            return row.clock, None
        return row.clock, Checkin(
            row.id,
            row.employee_id,
            row.matched,
            row.distance,
            row.api_key_name,
            row.created_at,
            row.snapshot_key,
            row.face_id,
            method=CheckinMethod(row.method),
            site_id=row.site_id,
            direction=None if row.direction is None else Direction(row.direction),
        )

    def add(
        self,
        employee_id: str | None,
        matched: bool,
        distance: float | None,
        api_key_name: str,
        *,
        at: datetime | None = None,
        face_id: str | None = None,
        snapshot_key: str | None = None,
        snapshot_jpeg: bytes | None = None,
        method: CheckinMethod = CheckinMethod.FACE,
        site_id: int | None = None,
        direction: Direction | None = None,
    ) -> Checkin:
        site_id = DEFAULT_SITE_ID if site_id is None else site_id
        held = None
        if snapshot_key is not None and snapshot_jpeg is not None:
            held = self._seal(snapshot_key, snapshot_jpeg, SNAPSHOT_TYPE)
        # One statement either way: the hold goes in with its row (no round trip more).
        hold = (
            ", hold AS (INSERT INTO snapshot_hold (checkin_id, body) SELECT id, :held FROM added)"
            if held is not None
            else ""
        )
        row = self._db.execute(
            text(
                "WITH added AS (INSERT INTO checkin (employee_id, matched, distance, "
                "api_key_name, created_at, face_id, snapshot_key, method, site_id, direction) "
                "VALUES (:e, :m, :d, :k, coalesce(CAST(:at AS timestamptz), clock_timestamp()), "
                f":f, :s, :method, :site, :dir) RETURNING id, created_at){hold} "
                "SELECT id, created_at FROM added"
            ),
            {
                "e": employee_id,
                "m": matched,
                "d": distance,
                "k": api_key_name,
                "at": at,
                "f": face_id,
                "s": snapshot_key,
                "held": held,
                "method": method.value,
                "site": site_id,
                "dir": None if direction is None else direction.value,
            },
        ).one()
        return Checkin(
            row.id,
            employee_id,
            matched,
            distance,
            api_key_name,
            row.created_at,
            snapshot_key,
            face_id,
            method=method,
            site_id=site_id,
            direction=direction,
        )

    def count_unknown(self, api_key_name: str, not_allowed: bool = False) -> None:
        self._db.execute(
            text(
                "INSERT INTO unknown_attempt (hour, api_key_name, count, not_allowed) "
                "VALUES (date_trunc('hour', now()), :k, 1, :n) "
                "ON CONFLICT (hour, api_key_name) "
                "DO UPDATE SET count = unknown_attempt.count + 1, "
                "not_allowed = unknown_attempt.not_allowed + excluded.not_allowed"
            ),
            {"k": api_key_name, "n": int(not_allowed)},
        )
