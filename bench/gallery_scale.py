"""Gallery scale: pgvector HNSW on synthetic 128-d galleries of 10k, 100k (and 1M with --full).

Run: .venv/bin/python -m bench --only gallery_scale [--quick | --full]
Insert and index build times, search p50/p95, recall@1 against an exact scan, and false
accepts of strangers at the match threshold, for several index and search settings.
"""

from typing import Any

import numpy as np

from backend.config import BackendSettings
from backend.infrastructure.pg_gallery import HNSW_BUILD_MEMORY, HNSW_EF_CONSTRUCTION, HNSW_M
from bench.common import MATCH_THRESHOLD, RunOptions, photo, print_table, save, summary
from bench.cpu import wait_for_quiet
from bench.pg_index import (
    IndexConfig,
    backend_path_ms,
    build,
    drop,
    exact_neighbours,
    fresh_database,
    indexed_insert_ms,
    judge,
    prepare_table,
    search,
)
from bench.synthetic import VECTORS, connect, copy_gallery, moved, unit_vectors

DIM = 128
# What the backend builds and searches with today (pg_gallery, config): read, not copied.
CURRENT_EF_SEARCH = int(BackendSettings.model_fields["hnsw_ef_search"].default)
CURRENT_M, CURRENT_EF_CONSTRUCTION, CURRENT_BUILD_MEMORY = (
    HNSW_M,
    HNSW_EF_CONSTRUCTION,
    HNSW_BUILD_MEMORY,
)


def sizes(options: RunOptions) -> list[int]:
    if options.quick:
        return [10_000]
    return [10_000, 100_000, 1_000_000] if options.full else [10_000, 100_000]


def index_configs(n: int, options: RunOptions) -> list[IndexConfig]:
    """The index variants to build; the last one stays for the backend-path figures."""
    memory = "2GB" if n >= 1_000_000 else "1GB"

    def tuned(label: str, **kw: Any) -> IndexConfig:
        return IndexConfig(label, maintenance_work_mem=memory, parallel_workers=1, **kw)

    current = IndexConfig(
        f"current: m{CURRENT_M} efc{CURRENT_EF_CONSTRUCTION}",
        m=CURRENT_M,
        ef_construction=CURRENT_EF_CONSTRUCTION,
        maintenance_work_mem=CURRENT_BUILD_MEMORY,
    )
    before = IndexConfig("before: m16 efc64, server build settings")
    last = tuned("m16 efc64, build tuned")
    if options.quick:
        return [current, last]
    variants = [tuned("halfvec m16 efc64", halfvec=True)]
    if n >= 1_000_000:  # a 1M build at 64MB maintenance_work_mem takes far too long
        return [current, *variants, last]
    return [current, before, *variants, tuned("m32 efc128", m=32, ef_construction=128), last]


def ef_values(options: RunOptions) -> list[int]:
    return (
        [40, CURRENT_EF_SEARCH]
        if options.quick
        else sorted({20, 40, 64, 100, 200, CURRENT_EF_SEARCH})
    )


def same_person_distance() -> dict[str, float]:
    """Cosine distances of the test photos through facegate's embedder (in process)."""
    from bench.common import cosine_distance
    from embedder.config import EmbedderSettings
    from embedder.service import Embedder

    embedder = Embedder(EmbedderSettings(workers=1))
    vectors = {
        name: embedder.extract(photo(f"{name}.jpg"))["faces"][0]["embedding"]
        for name in ("obama", "obama2", "obama3", "biden")
    }
    pairs = {
        f"obama-{other}": cosine_distance(vectors["obama"], vectors[other])
        for other in ("obama2", "obama3", "biden")
    }
    return {k: round(v, 4) for k, v in pairs.items()}


def measure_build(
    conn: Any,
    config: IndexConfig,
    queries: np.ndarray,
    truth: np.ndarray,
    targets: np.ndarray,
    options: RunOptions,
) -> dict[str, Any]:
    """Build one index variant and search it at each ef_search."""
    built = {**config.settings(), **build(conn, config, DIM), "search": {}}
    for ef in ef_values(options):
        outcome = search(conn, queries, config, DIM, ef_search=ef)
        built["search"][str(ef)] = judge(*outcome, truth, targets, MATCH_THRESHOLD)
    print(f"    {config.label}: built in {built['build_s']} s, {built['search']}", flush=True)
    return built


def measure_size(n: int, distance: float, options: RunOptions) -> dict[str, Any]:
    """Everything for one gallery size, on its own fresh server."""
    rng = np.random.default_rng(n)
    per_kind = 100 if options.quick else 500
    other_load = wait_for_quiet()
    with fresh_database() as url:
        prepare_table(url, DIM)
        with connect(url) as conn:
            drop(conn)  # the binding made the backend's index: rows go in first, then builds
            gallery = unit_vectors(n, DIM, rng)
            insert_s = copy_gallery(conn, gallery)
            conn.execute("VACUUM ANALYZE face")
            conn.execute(f"VACUUM ANALYZE {VECTORS}")
            targets = rng.choice(n, per_kind, replace=False)
            queries = np.vstack(
                [moved(gallery[targets], distance, rng), unit_vectors(per_kind, DIM, rng)]
            )
            truth, _ = exact_neighbours(gallery, queries)
            found, _, timings = search(conn, queries[:20], None, DIM, exact=True)
            exact = {
                **summary(timings),
                "agrees_with_numpy": bool(np.array_equal(found, truth[:20])),
            }
            print(
                f"  {n:>9,}: inserted in {insert_s:.1f} s, exact scan p50 {exact['p50_ms']} ms",
                flush=True,
            )
            builds = [
                measure_build(conn, config, queries, truth, targets, options)
                for config in index_configs(n, options)
            ]
            backend = {
                str(ef): backend_path_ms(url, queries[:200], ef) for ef in (40, CURRENT_EF_SEARCH)
            }
            insert_ms = indexed_insert_ms(conn, n + 1, 50 if options.quick else 300, DIM, rng)
    return {
        "n": n,
        "other_load_before": other_load,
        "queries": {"enrolled": per_kind, "strangers": per_kind},
        "insert_s": round(insert_s, 1),
        "insert_rows_per_s": round(n / insert_s),
        "exact_scan": exact,
        "builds": builds,
        "backend_nearest_ms_by_ef_search": backend,
        "indexed_insert_ms_p50": insert_ms,
    }


def best(result: dict[str, Any], target_recall: float = 0.99) -> tuple[str, int, dict[str, Any]]:
    """The fastest (p95) build and ef_search with recall@1 (enrolled) >= target."""
    options = [
        (b["label"], int(ef), s)
        for b in result["builds"]
        for ef, s in b["search"].items()
        if s["recall_at_1_enrolled"] >= target_recall and s["false_accepts"] == 0
    ]
    return min(options, key=lambda o: o[2]["p95_ms"]) if options else ("none", 0, {})


def run(options: RunOptions) -> dict[str, Any]:
    distances = same_person_distance()
    distance = round((distances["obama-obama2"] + distances["obama-obama3"]) / 2, 4)
    print(f"  same-person distance from the test photos: {distances} -> using {distance}")
    results = [measure_size(n, distance, options) for n in sizes(options)]
    result = {
        "dim": DIM,
        "data": "random unit vectors (uniform on the sphere)",
        "query_distance": distance,
        "photo_distances": distances,
        "threshold": MATCH_THRESHOLD,
        "sizes": results,
    }
    save("gallery_scale", result)
    rows = []
    for size in results:
        for b in size["builds"]:
            for ef, s in b["search"].items():
                rows.append(
                    [
                        f"{size['n']:,}",
                        b["label"],
                        b["build_s"],
                        ef,
                        s["p50_ms"],
                        s["p95_ms"],
                        s["recall_at_1_enrolled"],
                        s["false_accepts"],
                    ]
                )
    print_table(["N", "index", "build s", "ef", "p50 ms", "p95 ms", "recall@1", "FA"], rows)
    return result


def current_figures(size: dict[str, Any]) -> dict[str, Any]:
    """The search figures of the index the backend builds today, at its ef_search."""
    for b in size["builds"]:
        if (b["m"], b["ef_construction"], b["halfvec"]) == (
            CURRENT_M,
            CURRENT_EF_CONSTRUCTION,
            False,
        ):
            found = b["search"].get(str(CURRENT_EF_SEARCH))
            if found:
                return {**found, "build_s": b["build_s"]}
    return {}


def summary_rows(result: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for size in result["sizes"]:
        n = size["n"]
        label = f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"
        limit = 10.0 if n >= 1_000_000 else 5.0
        now = current_figures(size)
        if now:
            rows.append(
                [
                    "gallery_scale",
                    f"{label}: p95 (m{CURRENT_M} efc{CURRENT_EF_CONSTRUCTION}, "
                    f"ef {CURRENT_EF_SEARCH})",
                    f"{now['p95_ms']} ms",
                    f"<= {limit} ms",
                    now["p95_ms"] <= limit,
                ]
            )
            rows.append(
                [
                    "gallery_scale",
                    f"{label}: recall@1 / false accepts",
                    f"{now['recall_at_1_enrolled']} / {now['false_accepts']}",
                    ">= 0.99 / 0",
                    now["recall_at_1_enrolled"] >= 0.99 and now["false_accepts"] == 0,
                ]
            )
        name, ef, figures = best(size)
        if figures:
            rows.append(
                [
                    "gallery_scale",
                    f"{label}: fastest with recall >= 0.99",
                    f"{name}, ef {ef}: p95 {figures['p95_ms']} ms",
                    "",
                    "",
                ]
            )
        rows.append(
            [
                "gallery_scale",
                f"{label}: insert (COPY) / backend nearest p95",
                f"{size['insert_s']} s / "
                f"{size['backend_nearest_ms_by_ef_search'][str(CURRENT_EF_SEARCH)]['p95_ms']} ms",
                "",
                "",
            ]
        )
    return rows
