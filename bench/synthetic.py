"""Synthetic face vectors and gallery rows, written straight into facegate's tables."""

import time

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from psycopg.types.json import Jsonb

from backend.infrastructure.pg_gallery import vector_table

SYNTHETIC_QUALITY = {"face_size": 200, "sharpness": 300, "brightness": 120}
BATCH = 20_000
# The vectors of a fresh gallery's first generation (bench.pg_index.prepare_table binds it).
VECTORS = vector_table(1)


def unit_vectors(count: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """Random directions, uniform on the unit sphere (float32, like pgvector stores them)."""
    vectors = rng.standard_normal((count, dim))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32)


def moved(vectors: np.ndarray, distance: float, rng: np.random.Generator) -> np.ndarray:
    """Each vector turned by the angle whose cosine distance is `distance`, in a random
    direction: a second photo of the same person, as far as the index can tell."""
    base = vectors.astype(np.float64)
    away = rng.standard_normal(base.shape)
    away -= (away * base).sum(axis=1, keepdims=True) * base  # orthogonal to each vector
    away /= np.linalg.norm(away, axis=1, keepdims=True)
    angle = np.arccos(1 - distance)
    turned = np.cos(angle) * base + np.sin(angle) * away
    return (turned / np.linalg.norm(turned, axis=1, keepdims=True)).astype(np.float32)


def face_id(index: int) -> str:
    """A face id of the backend's shape (32 hex characters) that encodes its row index."""
    return format(index, "032x")


def employee_id(index: int) -> str:
    return f"SYN-{index}"


def connect(database_url: str) -> psycopg.Connection:
    """A psycopg connection that sends and reads pgvector values in binary."""
    conn = psycopg.connect(database_url, autocommit=True)
    register_vector(conn)
    return conn


def copy_gallery(
    conn: psycopg.Connection,
    vectors: np.ndarray,
    first: int = 0,
    model: str = "Dlib",
    detector: str = "dlib",
) -> float:
    """One synthetic employee per vector (rows first..first+n-1) by binary COPY; seconds."""
    started = time.perf_counter()
    for start in range(0, len(vectors), BATCH):
        chunk = vectors[start : start + BATCH]
        indices = range(first + start, first + start + len(chunk))
        with conn.transaction(), conn.cursor() as cur:
            with cur.copy("COPY employee (id, name) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["varchar", "varchar"])
                for i in indices:
                    copy.write_row((employee_id(i), f"Synthetic {i}"))
            with cur.copy(
                "COPY face (id, employee_id, model, detector, image_key, quality) "
                "FROM STDIN WITH (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["varchar", "varchar", "text", "text", "text", "jsonb"])
                quality = Jsonb(SYNTHETIC_QUALITY)
                for i in indices:
                    copy.write_row(
                        (
                            face_id(i),
                            employee_id(i),
                            model,
                            detector,
                            f"employees/{employee_id(i)}/x.jpg",
                            quality,
                        )
                    )
            with cur.copy(
                f"COPY {VECTORS} (face_id, employee_id, embedding) FROM STDIN WITH (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["varchar", "varchar", "vector"])
                for i, vector in zip(indices, chunk):
                    copy.write_row((face_id(i), employee_id(i), vector))
    return time.perf_counter() - started
