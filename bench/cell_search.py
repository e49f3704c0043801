"""A million faces on 2 cores: cells in plain PostgreSQL tables (issue 26).

pgvector's IVFFlat reads each probed list row by row and sorts every row it read; on these
vectors a row costs ~210 ns, ~120 ns of it the 128-d distance, and 0.99 of the accepted
check-ins needs ~10 % of a million read (29 ms). Four changes, each measured in scratch on
the bench's gallery (bench/README.md, sections "a million in cells of plain tables" and "a
cell's faces packed in arrays"), read less and pay less per row, in one SQL statement over
pgvector's types (2026-12-05 run: 0.995 of the accepted check-ins at 7.7 ms p95):

- **Fine cells, built outside the server**: k-means (numpy) with a cell per ~62 faces,
  16,000 at a million. pgvector's build would need ~50 GB for that many lists
  (gallery_faces.ivfflat_build_memory); here the centroids are a table.
- **Each face in its two nearest cells** (spilling): a check-in whose photo sits near a
  cell's border still finds it in the cells its query ranks first. At 16,000 cells the
  share of the gallery read for 0.99 fell from 5.9 % to 3.2 % (numpy, 205 check-ins).
- **A 48-d first stage, then the exact distance for 100**: a cell holds its faces'
  projections on the gallery's 48 principal axes (54 % of its variance) in halfvec; the
  100 best go back to the generation's table for the full cosine distance, the distance
  every other search returns. In numpy no accepted check-in's face fell out of the 48-d
  top 20.
- **A cell's faces packed in arrays**, up to PACK faces a row: a search reads ~700 rows
  and unnests ~42,000 projections, where a row per face cost ~90 ns in the B-tree alone
  (2026-12-05, scratch: the first stage 5.2 to 4.1 ms, 562 to 265 MB).

The caller projects the query on the axes (a 48x128 product, inside the timing); the
projection computed in the statement from the axes' table cost 0.5 ms more a search in
scratch. This is a bench measurement of a layout, not the backend's index: cells and axes
are fixed when built, as IVFFlat's lists are.
"""

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import psycopg
from pgvector import HalfVector

from bench.pg_index import timed_nearest
from bench.synthetic import VECTORS

CENTROIDS = "cell_centroid"
MEMBERS = "cell_member"
STAGING = "cell_member_unpacked"
# faces a row: 60 projections of 48-d halfvec are ~6.3 KB, so a row fits a page and, stored
# PLAIN, is never TOASTed (a TOASTed cell would cost an index lookup and a copy per read)
PACK = 60
AXES = "cell_axis"
KMEANS_SAMPLES_PER_CELL = 20
KMEANS_ITERATIONS = 8
PCA_SAMPLE = 100_000
CHUNK = 20_000  # gallery rows scored against every centroid at once (~1.3 GB at 16,000)


@dataclass(frozen=True)
class CellConfig:
    """Cells of ~`faces_per_cell` faces, each face in `spill` cells, a first stage on
    `first_stage_dims` principal axes, and `rerank` faces given the exact distance."""

    label: str
    faces_per_cell: int = 62
    spill: int = 2
    first_stage_dims: int = 48
    rerank: int = 100

    @property
    def search_setting(self) -> str:
        """What trades time for recall at search, as IndexConfig.search_setting names it."""
        return "cells probed"

    def cells(self, n: int) -> int:
        return max(1, n // self.faces_per_cell)

    def settings(self) -> dict[str, Any]:
        return asdict(self)


def kmeans(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Lloyd's k-means from k random points: the centroids (float32)."""
    centroids = points[rng.choice(len(points), k, replace=False)].copy()
    for _ in range(KMEANS_ITERATIONS):
        nearest = nearest_cells(points, centroids, 1)[:, 0]
        sums = np.zeros_like(centroids)
        np.add.at(sums, nearest, points)
        counts = np.bincount(nearest, minlength=k)
        filled = counts > 0  # an empty cell keeps its centroid
        centroids[filled] = sums[filled] / counts[filled, None]
    return centroids.astype(np.float32)


def nearest_cells(points: np.ndarray, centroids: np.ndarray, count: int) -> np.ndarray:
    """Each point's `count` nearest centroids by L2 (the nearest first)."""
    half_norms = 0.5 * (centroids * centroids).sum(axis=1)
    chosen = np.empty((len(points), count), dtype=np.int64)
    for start in range(0, len(points), CHUNK):
        # argmax of x.c - |c|^2/2 is the L2-nearest centroid; argmax again after masking
        # the best is one pass a rank, cheaper than partitioning every row's 16,000 scores
        scores = points[start : start + CHUNK] @ centroids.T - half_norms
        rows = np.arange(len(scores))
        for rank in range(count):
            best = scores.argmax(axis=1)
            chosen[start : start + CHUNK, rank] = best
            scores[rows, best] = -np.inf
    return chosen


def principal_axes(gallery: np.ndarray, dims: int, rng: np.random.Generator) -> np.ndarray:
    sample = gallery[rng.choice(len(gallery), min(len(gallery), PCA_SAMPLE), replace=False)]
    _, _, axes = np.linalg.svd(sample - sample.mean(axis=0), full_matrices=False)
    return axes[:dims].astype(np.float32)


def build(conn: psycopg.Connection, gallery: np.ndarray, config: CellConfig) -> dict[str, Any]:
    """Centroids, axes and the cell rows for the gallery already in the generation's table
    (row i is face i); returns seconds (k-means to index) and megabytes."""
    drop(conn)
    n, dim = gallery.shape
    k = config.cells(n)
    rng = np.random.default_rng(k)
    started = time.perf_counter()
    sample = gallery[rng.choice(n, min(n, KMEANS_SAMPLES_PER_CELL * k), replace=False)]
    centroids = kmeans(sample, k, rng)
    cells = nearest_cells(gallery, centroids, config.spill)
    axes = principal_axes(gallery, config.first_stage_dims, rng)
    projected = gallery @ axes.T
    conn.execute(f"CREATE TABLE {CENTROIDS} (cell int PRIMARY KEY, centroid vector({dim}))")
    conn.execute(f"CREATE TABLE {AXES} (axis int PRIMARY KEY, direction vector({dim}))")
    conn.execute(
        f"CREATE TEMPORARY TABLE {STAGING} (cell int NOT NULL, face int NOT NULL, "
        f"projection halfvec({config.first_stage_dims}) NOT NULL)"
    )
    with conn.cursor() as cur:
        for table, vectors in ((CENTROIDS, centroids), (AXES, axes)):
            with cur.copy(f"COPY {table} FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["int4", "vector"])
                for number, vector in enumerate(vectors):
                    copy.write_row((number, vector))
        with cur.copy(f"COPY {STAGING} FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "int4", "halfvec"])
            for face, face_cells in enumerate(cells):
                for cell in face_cells:
                    copy.write_row((int(cell), face, HalfVector(projected[face])))
    conn.execute(
        f"CREATE TABLE {MEMBERS} (cell int NOT NULL, faces int[] NOT NULL, "
        f"projections halfvec({config.first_stage_dims})[] NOT NULL)"
    )
    conn.execute(
        f"ALTER TABLE {MEMBERS} ALTER COLUMN faces SET STORAGE PLAIN, "
        "ALTER COLUMN projections SET STORAGE PLAIN"
    )
    # in cell order, so a cell's rows share pages; faces and projections in the same order
    conn.execute(
        f"INSERT INTO {MEMBERS} SELECT cell, array_agg(face ORDER BY face), "
        f"array_agg(projection ORDER BY face) FROM (SELECT cell, face, projection, "
        f"(row_number() OVER (PARTITION BY cell ORDER BY face) - 1) / {PACK} AS part "
        f"FROM {STAGING}) numbered GROUP BY cell, part ORDER BY cell, part"
    )
    conn.execute(f"DROP TABLE {STAGING}")
    conn.execute(f"CREATE INDEX {MEMBERS}_cell ON {MEMBERS} (cell)")
    for table in (MEMBERS, CENTROIDS, AXES):
        conn.execute(f"VACUUM ANALYZE {table}")
    seconds = time.perf_counter() - started
    # COPY, CREATE INDEX and VACUUM write through a small ring of buffers, so what a search
    # reads would come from the OS on first touch; a site searched all day has it cached
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    for relation in (MEMBERS, f"{MEMBERS}_cell", CENTROIDS, AXES, VECTORS, f"{VECTORS}_pkey"):
        conn.execute("SELECT pg_prewarm(%s)", (relation,))
    size = conn.execute(
        f"SELECT pg_total_relation_size('{MEMBERS}') + pg_total_relation_size('{CENTROIDS}') "
        f"+ pg_total_relation_size('{AXES}')"
    ).fetchone()
    return {"build_s": round(seconds, 1), "index_mb": round(size[0] / 2**20, 1) if size else 0}


def drop(conn: psycopg.Connection) -> None:
    for table in (MEMBERS, CENTROIDS, AXES):
        conn.execute(f"DROP TABLE IF EXISTS {table}")


def search_sql(config: CellConfig) -> str:
    """The nearest face and its exact cosine distance: rank the centroids, score the probed
    cells' faces on their 48-d projections, give the best `rerank` the full distance.
    Parameters: q (the query), projection (its projection, halfvec) and probes."""
    probed = f"ARRAY(SELECT cell FROM {CENTROIDS} ORDER BY centroid <-> %(q)s LIMIT %(probes)s)"
    # unnest in the select list streams the two arrays in step (ProjectSet); unnest in FROM
    # would fill a tuplestore for every row (9.5 against 6.6 ms a search in scratch)
    members = (
        f"SELECT unnest(faces) AS face, unnest(projections) AS projection "
        f"FROM {MEMBERS} WHERE cell = ANY({probed})"
    )
    return (
        f"WITH candidate AS (SELECT face FROM ({members}) member "
        f"ORDER BY projection <#> %(projection)s LIMIT {int(config.rerank)}) "
        f"SELECT face_id, embedding <=> %(q)s AS distance FROM {VECTORS} "
        f"WHERE face_id IN (SELECT lpad(to_hex(face), 32, '0') FROM candidate) "
        f"ORDER BY distance LIMIT 1"
    )


def axes_of(conn: psycopg.Connection) -> np.ndarray:
    """The principal axes the cells were built on, as a search holds them (dims x dim);
    conn reads vectors as pgvector's (bench.synthetic.connect)."""
    rows = conn.execute(f"SELECT direction FROM {AXES} ORDER BY axis").fetchall()
    return np.array([row[0].to_numpy() for row in rows], dtype=np.float32)


def search(
    conn: psycopg.Connection, queries: np.ndarray, config: CellConfig, probes: int
) -> tuple[list[int], list[float], list[float]]:
    """Nearest row index, distance and milliseconds per query, as pg_index.search gives."""
    axes = axes_of(conn)

    def projected(query: np.ndarray) -> dict[str, Any]:
        return {"projection": HalfVector(axes @ query), "probes": probes}

    return timed_nearest(conn, search_sql(config), queries, projected)
