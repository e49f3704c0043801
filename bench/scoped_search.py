"""Scoped search: 20,000 people over 50 sites, each allowed at one site; the backend's
search at a site holding 1 % of the gallery and at one holding 60 %, next to an unscoped
search of the same gallery. Recall@1 against an exact search of the same people.

Run: .venv/bin/python -m bench --only scoped_search [--quick]
The method (sites copied onto each vector, filtered inside the HNSW scan with pgvector 0.8's
iterative scan) is explained in bench/README.md.
"""

import time
from typing import Any

import numpy as np

from backend.bootstrap.opening import face_repository, gallery_row, open_database
from backend.config import BackendSettings
from backend.infrastructure.pg_faces import MAX_SCAN_TUPLES
from backend.infrastructure.pg_gallery import HNSW_EF_CONSTRUCTION, HNSW_M
from bench.common import save, summary
from bench.cpu import busy_cores
from bench.pg_index import IndexConfig, build, fresh_database, prepare_table
from bench.synthetic import VECTORS, connect, copy_gallery, employee_id, moved, unit_vectors

DIM = 128
PEOPLE = 20_000
SITES = 50
SMALL, LARGE = 1, 2  # site 1 holds 1 % of the people, site 2 holds 60 %
SAME_PERSON = 0.30  # cosine distance of a second photo: SFace's same-person range
NEAREST = 8  # what a check-in reads (backend.domain.checkin.NEAREST_FACES)


def site_of_each(rng: np.random.Generator) -> np.ndarray:
    """Each person's one site: 1 % at SMALL, 60 % at LARGE, the rest over 48 others."""
    small, large = PEOPLE // 100, PEOPLE * 60 // 100
    rest = PEOPLE - small - large
    sites = np.concatenate(
        [
            np.full(small, SMALL),
            np.full(large, LARGE),
            3 + np.arange(rest) % (SITES - 2),
        ]
    )
    return rng.permutation(sites)


def restrict(conn: Any, sites: np.ndarray) -> None:
    """The sites rows, everyone allowed at their one site only, and each vector's sites
    (what setAllowedSites writes), in bulk."""
    conn.execute(
        "INSERT INTO site (id, name, timezone) SELECT g, 'Site ' || g, 'UTC' "
        "FROM generate_series(2, %s) g",
        (SITES,),
    )
    conn.execute("UPDATE employee SET all_sites = false")
    with (
        conn.cursor() as cur,
        cur.copy("COPY employee_site (employee_id, site_id) FROM STDIN") as copy,
    ):
        for i, site in enumerate(sites):
            copy.write_row((employee_id(i), int(site)))
    conn.execute(
        f"UPDATE {VECTORS} v SET sites = ARRAY[s.site_id] FROM employee_site s "
        "WHERE s.employee_id = v.employee_id"
    )


def measure(url: str, queries: np.ndarray, truth: np.ndarray, site: int | None) -> dict[str, Any]:
    """The backend's own query (PgFaceRepository.nearest, as a check-in calls it)."""
    settings = BackendSettings(database_url=url)
    engine = open_database(settings, pool_size=1)
    try:
        repository = face_repository(engine, settings)
        gallery = gallery_row(engine, settings).read()
        rows = [list(map(float, q)) for q in queries]
        for row in rows[:5]:  # warm the connection and the cache
            repository.nearest(row, gallery, limit=NEAREST, site_id=site)
        timings, found = [], []
        for row in rows:
            started = time.perf_counter()
            near = repository.nearest(row, gallery, limit=NEAREST, site_id=site)
            timings.append((time.perf_counter() - started) * 1000)
            found.append(int(near[0].face_id, 16) if near else -1)
    finally:
        engine.dispose()
    return {
        **summary(timings),
        "recall_at_1": round(float((np.asarray(found) == truth).mean()), 4),
        "queries": len(rows),
    }


def exact_within(gallery: np.ndarray, members: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """The nearest gallery row among `members` for each query (numpy, exact)."""
    similarity = queries @ gallery[members].T
    return members[similarity.argmax(axis=1)]


def run(options: Any) -> dict[str, Any]:
    rng = np.random.default_rng(23)
    per_case = 100 if options.quick else 400
    load = busy_cores()
    with fresh_database() as url:
        prepare_table(url, DIM)
        with connect(url) as conn:
            gallery = unit_vectors(PEOPLE, DIM, rng)
            copy_gallery(conn, gallery)
            sites = site_of_each(rng)
            restrict(conn, sites)
            current = IndexConfig(
                f"m{HNSW_M} efc{HNSW_EF_CONSTRUCTION}",
                m=HNSW_M,
                ef_construction=HNSW_EF_CONSTRUCTION,
                maintenance_work_mem="512MB",
            )
            built = build(conn, current, DIM)
            print(f"  gallery of {PEOPLE:,} over {SITES} sites, index built {built}", flush=True)
            conn.execute(f"VACUUM ANALYZE {VECTORS}")
            conn.execute("VACUUM ANALYZE employee")
        cases: dict[str, Any] = {}
        everyone = np.arange(PEOPLE)
        scopes = (("site with 1 %", SMALL), ("site with 60 %", LARGE), ("unscoped", None))
        for label, site in scopes:
            members = everyone if site is None else everyone[sites == site]
            # the small site has 200 people: each asked for twice, by different photos
            targets = rng.choice(members, per_case, replace=len(members) < per_case)
            queries = moved(gallery[targets], SAME_PERSON, rng)
            truth = exact_within(gallery, members, queries)
            cases[label] = {"faces_searched": len(members), **measure(url, queries, truth, site)}
            print(f"  {label}: {cases[label]}", flush=True)
        # One site, nobody restricted (an installation as before sites): a check-in's search
        # at the default site against the same search without the sites filter.
        with connect(url) as conn:
            conn.execute(f"UPDATE {VECTORS} SET sites = ARRAY[0]")
            conn.execute(f"VACUUM ANALYZE {VECTORS}")
        targets = rng.choice(everyone, per_case, replace=False)
        queries = moved(gallery[targets], SAME_PERSON, rng)
        truth = exact_within(gallery, everyone, queries)
        for label, site in (("one site, filtered", SMALL), ("one site, no filter", None)):
            cases[label] = {"faces_searched": PEOPLE, **measure(url, queries, truth, site)}
            print(f"  {label}: {cases[label]}", flush=True)
    result = {
        "people": PEOPLE,
        "sites": SITES,
        "index": built,
        "ef_search": int(BackendSettings.model_fields["hnsw_ef_search"].default),
        "max_scan_tuples": MAX_SCAN_TUPLES,
        "same_person_distance": SAME_PERSON,
        "other_load_cores_before": load,
        "cases": cases,
    }
    save("scoped_search", result)
    return result


def summary_rows(result: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for label, case in result["cases"].items():
        met = case["recall_at_1"] >= 0.99 and case["p95_ms"] <= 10
        figure = f"{label} ({case['faces_searched']:,} faces): recall@1, p95"
        value = f"{case['recall_at_1']}, {case['p95_ms']} ms"
        rows.append(["scoped_search", figure, value, ">= 0.99, <= 10 ms", met])
    return rows
