"""Employees and faces in PostgreSQL, searched in the current generation's vectors
through its pgvector HNSW index."""

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from psycopg import errors
from sqlalchemy import Connection, Engine, exc, text

from backend.domain.errors import GalleryChanged
from backend.domain.gallery_state import GalleryState
from backend.domain.model import (
    Biometrics,
    Employee,
    FaceRecord,
    Match,
    Quality,
)
from backend.infrastructure.database import statements, transaction, vector_literal
from backend.infrastructure.pg_gallery import ANY_SITE, OPERATORS, vector_table

# The most index tuples a filtered scan reads before it gives up: enough to find the
# nearest faces of a site holding 1 % of a 100,000-face gallery (see bench/README.md).
MAX_SCAN_TUPLES = 40_000
# A site whose people have at most this many faces is searched exactly, through the
# vectors' GIN index on `sites`: cheaper than an HNSW walk that skips 99 % of what it
# visits, and exact (bench/README.md, scoped search).
EXACT_SCAN_FACES = 2_000
# How long a replica trusts its count of a site's faces: the count only picks the plan
# (both are right), so a stale one costs a little time at worst.
SITE_COUNT_SECONDS = 30.0


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


def nearest_faces(
    db: Connection,
    ef_search: int,
    embedding: list[float],
    gallery: GalleryState,
    limit: int,
    exclude_employee: str | None,
    site_id: int | None = None,
    exact: bool = False,
) -> list[Match]:
    """The `limit` nearest faces of `gallery`'s generation, nearest first (of any
    employee but `exclude_employee` when given; only of the people allowed at `site_id`
    when given, read exactly through the sites index with `exact`)."""
    operator, _, distance = OPERATORS[gallery.metric]
    if exact and site_id is not None and exclude_employee is None:
        return _exact_at_site(db, embedding, gallery, limit, site_id)
    conditions = []
    if exclude_employee is not None:
        conditions.append("employee_id <> :exclude")
    if site_id is not None:
        # Each vector carries its employee's sites ({0}: all), tested inside the scan.
        conditions.append(f"sites && ARRAY[{ANY_SITE}, CAST(:site AS integer)]")
    # The scan's settings for this transaction, in one round trip. With a filter, pgvector
    # 0.8's iterative scan keeps reading the index until `limit` rows pass it (a plain HNSW
    # scan filtered afterwards returns too few when it is selective); the outer ORDER BY
    # puts the relaxed order right.
    settings: dict[str, object] = {"hnsw.ef_search": int(ef_search)}
    if conditions:
        settings |= {
            "hnsw.iterative_scan": "relaxed_order",
            "hnsw.max_scan_tuples": MAX_SCAN_TUPLES,
        }
    db.execute(
        text("SELECT " + ", ".join(f"set_config('{k}', '{v}', true)" for k, v in settings.items()))
    )
    where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
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
        {"q": vector_literal(embedding), "k": limit, "exclude": exclude_employee, "site": site_id},
    )
    return [Match(r.employee_id, r.name, r.face_id, r.image_key, float(r.distance)) for r in rows]


def _exact_at_site(
    db: Connection, embedding: list[float], gallery: GalleryState, limit: int, site_id: int
) -> list[Match]:
    """A small site's faces, all of them, by the GIN index on `sites`."""
    rows = db.execute(
        text(exact_at_site_sql(gallery)),
        {"q": vector_literal(embedding), "k": limit, "site": site_id},
    )
    return [Match(r.employee_id, r.name, r.face_id, r.image_key, float(r.distance)) for r in rows]


def exact_at_site_sql(gallery: GalleryState) -> str:
    """The exact search of one site's faces. Ordered by the distance plus 0, an expression
    no index provides, so the planner cannot walk the HNSW graph (approximate, and slow to
    filter) and reads the site's rows through `sites` instead. It was a MATERIALIZED CTE
    before, which copied every row read, vector and all, into a tuplestore first: right
    after the embedder's model has filled the caches that copy cost a check-in 0.5-0.7 ms
    (bench/README.md, "the exact search without its copy")."""
    operator, _, distance = OPERATORS[gallery.metric]
    query = "CAST(:q AS vector)"
    return f"""
        SELECT v.face_id, v.employee_id, e.name, f.image_key, v.distance
        FROM (
            SELECT face_id, employee_id,
                   {distance.format(d=f"embedding {operator} {query}")} AS distance
            FROM {vector_table(gallery.generation)}
            WHERE sites && ARRAY[{ANY_SITE}, CAST(:site AS integer)]
            ORDER BY (embedding {operator} {query}) + 0
            LIMIT :k
        ) v JOIN face f ON f.id = v.face_id JOIN employee e ON e.id = v.employee_id
        ORDER BY v.distance
        """


class PgFaceRepository:
    """EnrollmentFaces, CheckinFaces and GalleryStats on PostgreSQL, each read in a
    transaction of its own (writes are the unit of work's: pg_writes)."""

    def __init__(self, engine: Engine, ef_search: int) -> None:
        self._engine = engine
        self._ef_search = ef_search
        self._site_faces: dict[tuple[int, int], tuple[float, int]] = {}

    # -- search ------------------------------------------------------------------------
    def nearest(
        self,
        embedding: list[float],
        gallery: GalleryState,
        limit: int = 1,
        site_id: int | None = None,
    ) -> list[Match]:
        if site_id is not None and self._faces_at(gallery, site_id) <= EXACT_SCAN_FACES:
            # One statement: no transaction around it.
            with statements(self._engine) as db, moved_on(gallery):
                return _exact_at_site(db, embedding, gallery, limit, site_id)
        # The HNSW scan's settings are SET LOCAL: a transaction of its own.
        with transaction(self._engine) as db, moved_on(gallery):
            return nearest_faces(db, self._ef_search, embedding, gallery, limit, None, site_id)

    def _faces_at(self, gallery: GalleryState, site_id: int) -> int:
        """The vectors a search at the site reads (cached SITE_COUNT_SECONDS)."""
        key, now = (gallery.generation, site_id), time.monotonic()
        cached = self._site_faces.get(key)
        if cached is None or now - cached[0] >= SITE_COUNT_SECONDS:
            with statements(self._engine) as db, moved_on(gallery):
                count = db.execute(
                    text(
                        f"SELECT count(*) FROM {vector_table(gallery.generation)} "
                        f"WHERE sites && ARRAY[{ANY_SITE}, CAST(:site AS integer)]"
                    ),
                    {"site": site_id},
                ).scalar_one()
            cached = self._site_faces[key] = (now, int(count))
        return cached[1]

    def biometrics_of(self, employee_id: str) -> str | None:
        with transaction(self._engine) as db:
            found: str | None = db.execute(
                text("SELECT biometrics FROM employee WHERE id = :e"), {"e": employee_id}
            ).scalar()
        return found

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

    def count_faces_at(self, site_id: int) -> int:
        with transaction(self._engine) as db:
            count: int = db.execute(
                text(
                    "SELECT count(*) FROM face f JOIN employee e ON e.id = f.employee_id "
                    "WHERE e.all_sites OR EXISTS (SELECT 1 FROM employee_site s "
                    "WHERE s.employee_id = e.id AND s.site_id = :s)"
                ),
                {"s": site_id},
            ).scalar_one()
        return count

    def count_employees(self) -> int:
        with transaction(self._engine) as db:
            count: int = db.execute(text("SELECT count(*) FROM employee")).scalar_one()
        return count


EMPLOYEE_COLUMNS = "id, name, department, email, created_at, status, left_on, biometrics"
FACE_COLUMNS = (
    "id, employee_id, model, detector, image_key, quality, created_at, "
    "confirmed_distinct_from, confirmed_by"
)


def employee_of(row: Any) -> Employee:
    return Employee(
        row.id,
        row.name,
        row.department,
        row.email,
        row.created_at,
        row.status,
        row.left_on,
        Biometrics(row.biometrics),
    )


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
