"""pgvector indexes on facegate's vectors (a generation's table): HNSW as the backend builds
it, and IVFFlat to compare; build them, search them, check them."""

import contextlib
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from backend.infrastructure.pg_gallery import vector_table
from bench.common import percentile, summary
from bench.synthetic import VECTORS, copy_gallery, unit_vectors
from facegate.children import start_postgres

INDEX_NAME = f"{VECTORS}_hnsw"  # the name the backend gives it


@dataclass(frozen=True)
class IndexConfig:
    """One way to build the index; the first fields are pgvector's, the rest Postgres'.
    `lists` > 0 builds IVFFlat with that many lists instead of HNSW (m, ef_construction)."""

    label: str
    m: int = 16
    ef_construction: int = 64
    halfvec: bool = False
    # None: the server's default (64MB and 2 on a stock PostgreSQL)
    maintenance_work_mem: str | None = None
    parallel_workers: int | None = None
    lists: int = 0

    @property
    def method(self) -> str:
        return "ivfflat" if self.lists else "hnsw"

    @property
    def search_setting(self) -> str:
        """What trades time for recall at search: HNSW's candidate list, IVFFlat's lists."""
        return "ivfflat.probes" if self.lists else "hnsw.ef_search"

    def settings(self) -> dict[str, Any]:
        return asdict(self)


def prepare_table(database_url: str, dim: int) -> None:
    """facegate's schema (the backend's own migration), and a gallery bound to a synthetic
    model of `dim` as the backend binds it: its first generation's table, vector(dim)."""
    from backend.bootstrap.opening import gallery_row, open_database
    from backend.config import BackendSettings
    from backend.domain.model import ModelInfo

    settings = BackendSettings(database_url=database_url)
    engine = open_database(settings, pool_size=1)
    try:
        bound = gallery_row(engine, settings).bind(
            ModelInfo("Synthetic", dim, "none"), settings.match_metric
        )
        assert vector_table(bound.generation) == VECTORS
    finally:
        engine.dispose()


def build(conn: psycopg.Connection, config: IndexConfig, dim: int) -> dict[str, Any]:
    """Drop any index on embedding and build config's; returns seconds and size."""
    drop(conn)
    conn.execute("RESET maintenance_work_mem")
    conn.execute("RESET max_parallel_maintenance_workers")
    if config.maintenance_work_mem:
        conn.execute(f"SET maintenance_work_mem = '{config.maintenance_work_mem}'")
    if config.parallel_workers is not None:
        conn.execute(f"SET max_parallel_maintenance_workers = {int(config.parallel_workers)}")
    column = (
        f"(embedding::halfvec({dim})) halfvec_cosine_ops"
        if config.halfvec
        else ("embedding vector_cosine_ops")
    )
    options = (
        f"lists = {int(config.lists)}"
        if config.lists
        else f"m = {int(config.m)}, ef_construction = {int(config.ef_construction)}"
    )
    started = time.perf_counter()
    conn.execute(
        f"CREATE INDEX {INDEX_NAME} ON {VECTORS} USING {config.method} ({column}) WITH ({options})"
    )
    seconds = time.perf_counter() - started
    size = conn.execute("SELECT pg_relation_size(%s::regclass)", (INDEX_NAME,)).fetchone()
    conn.execute("RESET maintenance_work_mem")
    conn.execute("RESET max_parallel_maintenance_workers")
    return {"build_s": round(seconds, 1), "index_mb": round(size[0] / 2**20, 1) if size else 0}


def drop(conn: psycopg.Connection) -> None:
    conn.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


def search_sql(config: IndexConfig | None, dim: int) -> str:
    """The nearest face and its exact cosine distance, through config's index."""
    order = "embedding <=> %(q)s"
    if config is not None and config.halfvec:
        order = f"embedding::halfvec({dim}) <=> %(q)s::halfvec({dim})"
    return (
        f"SELECT face_id, embedding <=> %(q)s AS distance FROM {VECTORS} ORDER BY {order} LIMIT 1"
    )


def search(
    conn: psycopg.Connection,
    queries: np.ndarray,
    config: IndexConfig | None,
    dim: int,
    ef_search: int | None = None,
    exact: bool = False,
) -> tuple[list[int], list[float], list[float]]:
    """Nearest row index, distance and milliseconds per query (exact: no index scan);
    `ef_search` is config's search setting: HNSW's ef_search, IVFFlat's probes."""
    setting = config.search_setting if config is not None else "hnsw.ef_search"
    conn.execute(f"SET {setting} = {int(ef_search or 40)}")
    conn.execute(f"SET enable_indexscan = {'off' if exact else 'on'}")
    try:
        return timed_nearest(conn, search_sql(config, dim), queries)
    finally:
        conn.execute("RESET enable_indexscan")


def timed_nearest(
    conn: psycopg.Connection,
    sql: str,
    queries: np.ndarray,
    per_query: Callable[[np.ndarray], dict[str, Any]] | None = None,
) -> tuple[list[int], list[float], list[float]]:
    """Run sql (face_id, distance) for each query as %(q)s, with what `per_query` derives
    from it beside it (inside the timing): the nearest row index, distance and milliseconds
    per query."""

    def parameters(query: np.ndarray) -> dict[str, Any]:
        return {"q": query, **(per_query(query) if per_query else {})}

    found, distances, timings = [], [], []
    for query in queries[:5]:  # let psycopg prepare the statement first
        conn.execute(sql, parameters(query), prepare=True).fetchone()
    for query in queries:
        started = time.perf_counter()
        row = conn.execute(sql, parameters(query), prepare=True).fetchone()
        timings.append((time.perf_counter() - started) * 1000)
        found.append(int(row[0], 16) if row else -1)
        distances.append(float(row[1]) if row else 2.0)
    return found, distances, timings


def exact_neighbours(gallery: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Brute force in numpy: the nearest gallery row and its cosine distance per query."""
    best = np.full(len(queries), -1, dtype=np.int64)
    best_similarity = np.full(len(queries), -np.inf, dtype=np.float64)
    for start in range(0, len(gallery), 200_000):
        chunk = gallery[start : start + 200_000]
        similarity = queries @ chunk.T
        local = similarity.argmax(axis=1)
        value = similarity[np.arange(len(queries)), local]
        better = value > best_similarity
        best[better] = local[better] + start
        best_similarity[better] = value[better]
    return best, 1 - best_similarity


def judge(
    found: list[int],
    distances: list[float],
    timings: list[float],
    truth: np.ndarray,
    targets: np.ndarray,
    threshold: float,
    exact_distances: np.ndarray | None = None,
) -> dict[str, Any]:
    """Latency, recall@1 against the exact answer, hits and false accepts at threshold.

    The first len(targets) queries are enrolled people (targets: their gallery rows); the
    rest are strangers. With the exact search's distances, also the recall@1 of the
    check-ins the exact search would accept: a miss of one it would refuse anyway changes
    no answer."""
    found_arr, dist_arr = np.asarray(found), np.asarray(distances)
    enrolled = len(targets)
    same = found_arr == truth
    right = (found_arr[:enrolled] == targets) & (dist_arr[:enrolled] <= threshold)
    return {
        "p50_ms": round(float(np.median(timings)), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        "recall_at_1": round(float(same.mean()), 4),
        "recall_at_1_enrolled": round(float(same[:enrolled].mean()), 4),
        "hits": int(right.sum()),
        "false_accepts": int((dist_arr[enrolled:] <= threshold).sum()),
        **(
            {}
            if exact_distances is None
            else {
                "recall_at_1_accepted": round(
                    float(same[:enrolled][exact_distances[:enrolled] <= threshold].mean()), 4
                )
            }
        ),
    }


@contextlib.contextmanager
def fresh_database(shared_buffers: str | None = None) -> Iterator[str]:
    """A new embedded PostgreSQL+pgvector server in a temporary folder; `shared_buffers`
    replaces the server's default (128MB) and takes a restart."""
    folder = Path(tempfile.mkdtemp(prefix="facegate-gallery-"))
    server = start_postgres(folder / "postgres", database="gallery")
    if shared_buffers:
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute(f"ALTER SYSTEM SET shared_buffers = '{shared_buffers}'")
        server.stop()
        server = start_postgres(folder / "postgres", database="gallery")
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def backend_path_ms(url: str, queries: np.ndarray, ef_search: int) -> dict[str, float]:
    """PgFaceRepository.nearest, the backend's own query (SQLAlchemy, join, SET LOCAL)."""
    from backend.bootstrap.opening import face_repository, gallery_row, open_database
    from backend.config import BackendSettings

    settings = BackendSettings(database_url=url, hnsw_ef_search=ef_search)
    engine = open_database(settings, pool_size=1)
    try:
        repository = face_repository(engine, settings)
        gallery = gallery_row(engine, settings).read()
        rows = [list(map(float, q)) for q in queries]
        timings = []
        for row in rows[:5] + rows:
            started = time.perf_counter()
            repository.nearest(row, gallery, limit=1)
            timings.append((time.perf_counter() - started) * 1000)
        return summary(timings[5:])
    finally:
        engine.dispose()


def indexed_insert_ms(
    conn: psycopg.Connection, first: int, count: int, dim: int, rng: np.random.Generator
) -> float:
    """p50 ms to write one employee and face (own transaction) with the index in place."""
    timings = []
    for i, vector in enumerate(unit_vectors(count, dim, rng), start=first):
        started = time.perf_counter()
        copy_gallery(conn, vector[None, :], first=i)
        timings.append((time.perf_counter() - started) * 1000)
    return round(float(np.median(timings)), 2)
