"""Search at a million on face-like vectors: real SFace vectors of LFW people among vectors
drawn to match their distribution (issue 26), instead of uniform random ones.

Run: .venv/bin/python -m bench --only gallery_faces [--quick]   (LFW_DIR names LFW)
The earlier gallery bench searched uniform random vectors for a stored one turned by 0.03:
an easy case, where the face sought is far nearer than everything else. Here the gallery's
filler is drawn from a Gaussian with the mean and covariance of real SFace vectors (LFW's
held-out people as kiosk frames, bench/lfw/frames.py), normalised like every stored vector:
a person's other photo is ~0.3 away, the crowd ~0.5-0.6, as with real faces. Into it
go one real photo of each held-out person with two or more; the queries are another photo
of each of those people (the check-in) and the photos of people with one photo (strangers).
Recall@1 is against an exact scan; builds are timed with the build memory raised to hold
the graph, or IVFFlat's k-means. HNSW as the backend builds it and denser (below a million),
IVFFlat on halfvec (a list per 1,000 and per 250 faces, 2.5-25 % of the lists read), and
cells in plain tables (a cell per 62 faces, each face in two, packed 60 faces to a row, a
48-d first stage; bench/cell_search.py), 1-10 % of the cells read.
100,000 and 1,000,000 faces (--quick: 100,000 only).
"""

import math
from typing import Any

import numpy as np
import psycopg

from backend.calibration import load_calibration
from backend.domain.model import Metric
from backend.domain.thresholds import ThresholdSettings, thresholds_for
from bench import cell_search
from bench.cell_search import CellConfig
from bench.common import RunOptions, print_table, save
from bench.cpu import wait_for_quiet
from bench.gallery_scale import CURRENT_EF_CONSTRUCTION, CURRENT_M
from bench.lfw import protocol
from bench.lfw.data import HOW_TO_GET, locate
from bench.lfw.embed import Vectors
from bench.lfw.frames import frame_vectors
from bench.pg_index import (
    IndexConfig,
    build,
    drop,
    exact_neighbours,
    fresh_database,
    judge,
    prepare_table,
    search,
)
from bench.synthetic import VECTORS, connect, copy_gallery

DIM = 128
QUERIES = 500  # of each kind


class LfwMissing(Exception):
    pass


# HNSW with m=32 is measured below a million only: at a million its build took 22 minutes
# (2026-12-03 07:00, bench/README.md) for 199 of 203 right answers at 87 ms, which IVFFlat
# gives at half that time after a build of half a minute.
DENSE_GRAPH_BELOW = 1_000_000


def configs(n: int) -> list[IndexConfig]:
    """The backend's index, m=32 (on these vectors recall needs a denser graph: at 100k,
    m16 reached 0.99 only at ef_search 1000, 14.4 ms p95; m32 at 400, 13.5 ms), and
    IVFFlat on halfvec copies of the vectors (half the bytes read a probed list, the distance
    returned stays the full vector's), which scans a share of the gallery instead of walking
    a graph: with pgvector's advice of a list per 1,000 rows, and with a list per 250. At a
    million the finer lists find more for the same share read (2026-12-05: 4 % of 4,000
    lists read, 0.951-0.98 of the accepted check-ins at ~10 ms p95 over four builds, as each
    k-means draws its own sample; 4 % of 1,000 lists 0.88-0.90). A list per 125 rows would
    need 12 GB to build (ivfflat_build_memory)."""
    memory = "3GB" if n >= 1_000_000 else "1GB"  # the graph (0.8-1.3 kB a face) fits
    current = (CURRENT_M, CURRENT_EF_CONSTRUCTION)
    dense = [IndexConfig(f"m32 efc{current[1]}", 32, current[1], False, memory)]
    return [
        IndexConfig(f"m{current[0]} efc{current[1]}", *current, False, memory),
        *(dense if n < DENSE_GRAPH_BELOW else []),
        *(
            IndexConfig(
                f"ivfflat lists {lists} halfvec",
                halfvec=True,
                maintenance_work_mem=ivfflat_build_memory(n, lists),
                lists=lists,
            )
            for lists in (max(1, n // 1000), max(1, n // 250))
        ),
    ]


def ivfflat_build_memory(n: int, lists: int) -> str:
    """What pgvector's IVFFlat build asks for: its k-means keeps a bound per sample and list
    (4 bytes; 50 samples a list, at most n), 3.1 GB at 4,000 lists, plus a margin."""
    bounds = min(n, 50 * lists) * lists * 4
    return f"{max(1, math.ceil(bounds * 1.25 / 2**30))}GB"


EF_SEARCH = (40, 100, 400, 1000)  # 400: the backend's HNSW_EF_SEARCH
# IVFFlat: the share of the lists a search reads (probes), 2.5 %, 4 %, 10 % and 25 %.
PROBED_SHARES = (0.025, 0.04, 0.1, 0.25)


# Cells in plain tables (bench/cell_search.py): the share of the cells a search reads, 1-10 %
# (each face is in two, so twice that share of the gallery's rows are read)
CELLS = CellConfig("cells x2 spill, 48-d first stage, 100 re-ranked")
PROBED_CELL_SHARES = (0.01, 0.0125, 0.015, 0.02, 0.05, 0.1)


def search_settings(config: IndexConfig) -> tuple[int, ...]:
    """The values of config's search setting to measure: ef_search, or probes."""
    if config.lists:
        return tuple(max(1, round(config.lists * share)) for share in PROBED_SHARES)
    return EF_SEARCH


def shared_buffers(n: int) -> str | None:
    """PostgreSQL's cache for a gallery of n: at a million, 2GB, so that the generation's
    table and the index being read stay in it, as a deployment of that size would set it
    (PostgreSQL's advice is a quarter of RAM); below, the default."""
    return "2GB" if n >= 1_000_000 else None


def face_like(real: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` unit vectors from the Gaussian fitted to the real ones."""
    mean = real.mean(axis=0)
    covariance = np.cov(real, rowvar=False)
    drawn = rng.multivariate_normal(mean, covariance, size=count, method="cholesky")
    drawn /= np.linalg.norm(drawn, axis=1, keepdims=True)
    return drawn.astype(np.float32)


def people(vectors: Vectors, lfw: Any, rng: np.random.Generator) -> tuple[Any, ...]:
    """Enrolled photos (one per person with 2+), their check-in photos, strangers' photos."""
    index = vectors.index()
    multi, single = protocol.evaluation_people(lfw)
    enrolled, probes = [], []
    for name in multi:
        usable = [image for image in lfw.people[name] if image in index]
        if len(usable) >= 2:
            first, second = rng.choice(len(usable), 2, replace=False)
            enrolled.append(index[usable[first]])
            probes.append(index[usable[second]])
    strangers = [index[lfw.people[name][0]] for name in single if lfw.people[name][0] in index]
    order = rng.permutation(len(probes))[:QUERIES]
    chosen_strangers = rng.permutation(len(strangers))[:QUERIES]
    return (
        np.array(enrolled),
        np.array(probes)[order],
        order,
        np.array(strangers)[chosen_strangers],
    )


def measure(n: int, vectors: Vectors, lfw: Any) -> dict[str, Any]:
    rng = np.random.default_rng(n)
    enrolled, probes, probe_owner, strangers = people(vectors, lfw, rng)
    real = vectors.matrix
    filler = face_like(real, n - len(enrolled), rng)
    # the real faces at random places among the drawn ones
    places = rng.choice(n, len(enrolled), replace=False)
    gallery = np.empty((n, DIM), dtype=np.float32)
    mask = np.ones(n, dtype=bool)
    mask[places] = False
    gallery[mask] = filler
    gallery[places] = real[enrolled]
    queries = np.vstack([real[probes], real[strangers]])
    targets = places[probe_owner]
    threshold = thresholds_for(
        n, Metric.COSINE, load_calibration("SFace"), None, ThresholdSettings()
    ).match
    other_load = wait_for_quiet()
    with fresh_database(shared_buffers=shared_buffers(n)) as url:
        prepare_table(url, DIM)
        with connect(url) as conn:
            drop(conn)  # the binding made the backend's index: rows go in first, then builds
            insert_s = copy_gallery(conn, gallery, model="SFace", detector="yunet")
            conn.execute(f"VACUUM ANALYZE {VECTORS}")
            truth, nearest = exact_neighbours(gallery, queries)
            builds = []
            for config in configs(n):
                built = {
                    **config.settings(),
                    "search_setting": config.search_setting,
                    **build(conn, config, DIM),
                    "search": {},
                }
                for ef in search_settings(config):
                    outcome = search(conn, queries, config, DIM, ef_search=ef)
                    built["search"][str(ef)] = judge(*outcome, truth, targets, threshold, nearest)
                print(f"    {n:,} {config.label}: {built['build_s']} s, {built['search']}")
                builds.append(built)
            drop(conn)  # the cells' re-rank reads the generation's table by its key alone
            answers = (truth, targets, nearest)
            builds.append(measure_cells(conn, gallery, queries, answers, threshold))
    drawn_to_real = 1 - (filler[:2000] @ real.T).max(axis=1)
    return {
        "n": n,
        "other_load_before": other_load,
        "enrolled_real": len(enrolled),
        "queries": {"check_ins": len(probes), "strangers": len(strangers)},
        "threshold": round(threshold, 4),
        "exact_right": round(float((truth[: len(probes)] == targets).mean()), 4),
        "nearest_distance_p50": {
            "check_ins": round(float(np.median(nearest[: len(probes)])), 4),
            "strangers": round(float(np.median(nearest[len(probes) :])), 4),
            "drawn_to_nearest_real": round(float(np.median(drawn_to_real)), 4),
        },
        "insert_s": round(insert_s, 1),
        "builds": builds,
    }


def measure_cells(
    conn: psycopg.Connection,
    gallery: np.ndarray,
    queries: np.ndarray,
    answers: tuple[np.ndarray, np.ndarray, np.ndarray],
    threshold: float,
) -> dict[str, Any]:
    """Cells in plain tables (bench/cell_search.py), built and searched like an index."""
    truth, targets, nearest = answers
    cells = CELLS.cells(len(gallery))
    built = {
        **CELLS.settings(),
        "cells": cells,
        "search_setting": CELLS.search_setting,
        **cell_search.build(conn, gallery, CELLS),
        "search": {},
    }
    for share in PROBED_CELL_SHARES:
        probes = max(1, round(cells * share))
        outcome = cell_search.search(conn, queries, CELLS, probes)
        built["search"][str(probes)] = judge(*outcome, truth, targets, threshold, nearest)
    print(f"    {len(gallery):,} {CELLS.label}: {built['build_s']} s, {built['search']}")
    cell_search.drop(conn)
    return built


def run(options: RunOptions) -> dict[str, Any]:
    lfw = locate()
    if lfw is None:
        raise LfwMissing(HOW_TO_GET)
    vectors = frame_vectors(lfw, 640, None)
    sizes = [100_000] if options.quick else [100_000, 1_000_000]
    results = [measure(n, vectors, lfw) for n in sizes]
    result = {"dim": DIM, "real_vectors": len(vectors.ids), "sizes": results}
    save("gallery_faces", result)
    rows = [
        [f"{s['n']:,}", b["label"], b["build_s"], b["index_mb"], ef, f["p50_ms"], f["p95_ms"],
         f["recall_at_1"], f["recall_at_1_enrolled"], f.get("recall_at_1_accepted"),
         f["false_accepts"]]
        for s in results for b in s["builds"] for ef, f in b["search"].items()
    ]  # fmt: skip
    columns = "N,index,build s,MB,ef/probes,p50,p95,recall@1,check-ins,accepted,FA"
    print_table(columns.split(","), rows)
    return result


def summary_rows(result: dict[str, Any]) -> list[list[Any]]:
    """At a million, judged on the check-ins the exact search accepts (a miss of one it
    would refuse changes no answer): the fastest setting with recall >= 0.99, or, when none
    has it, the one nearest to it; and the best recall under 10 ms p95. Both are the figure
    the issue asks for, seen from either side."""
    rows = []
    goal = "p95 <= 10 ms at recall >= 0.99"

    def recall(found: dict[str, Any]) -> float:
        return float(found.get("recall_at_1_accepted", found["recall_at_1"]))

    def row(figure: str, name: str, found: dict[str, Any]) -> list[Any]:
        value = (
            f"p95 {found['p95_ms']} ms, recall {recall(found)} (all queries {found['recall_at_1']})"
        )
        met = recall(found) >= 0.99 and found["p95_ms"] <= 10
        return ["gallery_faces", f"{figure} ({name})", value, goal, met]

    for size in result["sizes"]:
        if size["n"] < 1_000_000:
            continue
        tried = [
            (f"{b['label']}, {b.get('search_setting', 'hnsw.ef_search')} {setting}", f)
            for b in size["builds"]
            for setting, f in b["search"].items()
        ]
        enough = [t for t in tried if recall(t[1]) >= 0.99]
        if enough:
            fastest = min(enough, key=lambda t: t[1]["p95_ms"])
            rows.append(row("1M face-like: fastest at recall >= 0.99", *fastest))
        else:
            nearest = max(tried, key=lambda t: (recall(t[1]), -t[1]["p95_ms"]))
            rows.append(row("1M face-like: none at recall >= 0.99; best", *nearest))
        fast = [t for t in tried if t[1]["p95_ms"] <= 10]
        if fast:
            best = max(fast, key=lambda t: (recall(t[1]), -t[1]["p95_ms"]))
            rows.append(row("1M face-like: best recall under 10 ms", *best))
    return rows


def skipped_rows(reason: str) -> list[list[Any]]:
    return [["gallery_faces", "skipped", reason[:60], "", ""]]
