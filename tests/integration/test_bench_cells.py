"""The bench's cells in plain tables (bench/cell_search.py) on a real PostgreSQL+pgvector: the
packed rows hold each face in exactly its cells with its own projection, and a search that
reads every cell finds what a brute-force scan finds. The bench checks its recall against
the exact answer on every run; this checks the layout itself, at a size a test can afford."""

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import psycopg
import pytest

from bench import cell_search
from bench.cell_search import CellConfig
from bench.pg_index import drop, exact_neighbours, fresh_database, prepare_table
from bench.synthetic import connect, copy_gallery, moved

DIM = 128
FACES = 3_000
# ~60 cells, and more faces in some cells than a packed row holds
CONFIG = CellConfig("test cells", faces_per_cell=50)


@pytest.fixture(scope="module")
def gallery() -> np.ndarray:
    """Faces in clumps, as faces are: a few hundred directions, each face near one."""
    rng = np.random.default_rng(26)
    centres = rng.standard_normal((300, DIM))
    faces = centres[rng.integers(0, len(centres), FACES)] + 0.6 * rng.standard_normal((FACES, DIM))
    faces /= np.linalg.norm(faces, axis=1, keepdims=True)
    return faces.astype(np.float32)


@pytest.fixture(scope="module")
def cells(gallery: np.ndarray) -> Iterator[psycopg.Connection]:
    with fresh_database() as url:
        prepare_table(url, DIM)
        with connect(url) as conn:
            drop(conn)
            copy_gallery(conn, gallery, model="SFace", detector="yunet")
            cell_search.build(conn, gallery, CONFIG)
            yield conn


def test_each_face_is_in_its_spill_cells_beside_its_own_projection(
    cells: psycopg.Connection, gallery: np.ndarray
) -> None:
    rows = cells.execute(f"SELECT cell, faces, projections FROM {cell_search.MEMBERS}").fetchall()
    assert max(len(faces) for _, faces, _ in rows) == cell_search.PACK  # some cells span rows
    placed: dict[int, list[int]] = {}
    axes = cell_search.axes_of(cells)
    for cell, faces, projections in rows:
        assert len(faces) == len(projections)
        for face, projection in zip(faces, projections, strict=True):
            placed.setdefault(face, []).append(cell)
            # halfvec keeps ~3 significant digits
            assert np.allclose(projection.to_numpy(), axes @ gallery[face], atol=2e-3)
    assert sorted(placed) == list(range(FACES))
    assert {len(face_cells) for face_cells in placed.values()} == {CONFIG.spill}
    assert {len(set(face_cells)) for face_cells in placed.values()} == {CONFIG.spill}


def test_reading_every_cell_finds_the_exact_nearest(
    cells: psycopg.Connection, gallery: np.ndarray
) -> None:
    rng = np.random.default_rng(7)
    # another photo of 40 enrolled people, and 10 strangers
    queries = np.vstack([moved(gallery[:40], 0.25, rng), moved(gallery[-10:], 0.8, rng)])
    truth, distances = exact_neighbours(gallery, queries)
    every_cell = CONFIG.cells(FACES)
    everyone = replace(CONFIG, rerank=FACES)  # every face read gets the exact distance
    found, found_distances, _ = cell_search.search(cells, queries, everyone, every_cell)
    assert found == truth.tolist()
    assert np.allclose(found_distances, distances, atol=1e-5)


def test_the_first_stage_ranks_each_face_by_its_own_projection(
    cells: psycopg.Connection, gallery: np.ndarray
) -> None:
    rng = np.random.default_rng(9)
    queries = moved(gallery[200:240], 0.02, rng)  # the same photo, barely changed
    # only 3 faces pass the 48-d stage: a projection stored beside the wrong face loses them
    narrow = replace(CONFIG, rerank=3)
    found, _, _ = cell_search.search(cells, queries, narrow, CONFIG.cells(FACES))
    assert found == list(range(200, 240))


def test_one_cell_read_gives_a_real_face_at_its_true_distance(
    cells: psycopg.Connection, gallery: np.ndarray
) -> None:
    rng = np.random.default_rng(8)
    queries = moved(gallery[100:140], 0.25, rng)
    _, distances = exact_neighbours(gallery, queries)
    found, found_distances, _ = cell_search.search(cells, queries, CONFIG, probes=1)
    assert all(face >= 0 for face in found)
    # an approximate answer, never a face nearer than the nearest there is
    assert np.all(np.asarray(found_distances) >= distances - 1e-5)
    assert np.allclose(found_distances, 1 - (gallery[found] * queries).sum(axis=1), atol=1e-5)
