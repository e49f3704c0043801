"""Every LFW photo through the embedder's own pipeline (decode, detect, align, embed),
in worker processes, cached per model in var/lfw-vectors/<model>.npz.

Each LFW photo is a 250x250 crop centred on the labelled person's face; where the
detector finds several faces, the one nearest the centre is that person. A photo where
no face is found gets no vector: at the door that is a person not recognised.
"""

import hashlib
import multiprocessing
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bench.lfw.data import Lfw
from embedder.sface_int8 import INT8_MODEL, RANGES
from facegate_shared.paths import REPO_ROOT

CACHE = REPO_ROOT / "var" / "lfw-vectors"
DETECTORS = {"SFace": "yunet", "SFace-int8": "yunet", "Dlib": "dlib"}


@dataclass(frozen=True)
class Vectors:
    """Unit vectors by image id; missing ids are photos where no face was found."""

    model: str
    ids: list[str]
    matrix: NDArray[np.float32]  # len(ids) x dim, unit rows
    missing: list[str]
    seconds_per_photo: float

    def index(self) -> dict[str, int]:
        return {image: row for row, image in enumerate(self.ids)}


_analyzer = None


def _start_worker(
    model: str, detector: str, detect_max_side: int | None = None, largest_side: int | None = None
) -> None:
    """This worker process's analyzer (detect_max_side: the settings' unless given)."""
    global _analyzer
    import cv2

    from embedder.analyzer import FaceAnalyzer
    from embedder.config import EmbedderSettings
    from embedder.weights import engine_for, no_downloads, point_deepface_at

    cv2.setNumThreads(1)  # one process per core does the parallel work
    settings = EmbedderSettings()
    point_deepface_at(settings.deepface_home, engine_for(model, settings.engine))
    with no_downloads(model):
        _analyzer = FaceAnalyzer(
            model,
            detector,
            True,
            detect_max_side or settings.detect_max_side,
            settings.detect_score_threshold,
            largest_side,
        )


def _embed_one(path: str) -> list[float] | None:
    from embedder.imaging import decode_image

    assert _analyzer is not None
    image = decode_image(Path(path).read_bytes(), max_pixels=40_000_000, work_max_side=1600)
    faces = _analyzer.analyze(image).faces
    if not faces:
        return None

    def off_centre(face: object) -> float:
        area = face.facial_area  # type: ignore[attr-defined]
        cx, cy = area["x"] + area["w"] / 2, area["y"] + area["h"] / 2
        return float((cx - image.width / 2) ** 2 + (cy - image.height / 2) ** 2)

    return min(faces, key=off_centre).embedding


def embed(lfw: Lfw, model: str, processes: int | None = None) -> Vectors:
    """Vectors of every LFW photo for this model, from the cache when it is there."""
    cached = cache_file(model)
    if cached.is_file():
        return load_cached(model, cached)
    images = lfw.images()
    workers = processes or os.cpu_count() or 1
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, _start_worker, (model, DETECTORS[model])) as pool:
        vectors = pool.map(_embed_one, [str(lfw.path(i)) for i in images], chunksize=16)
    seconds = (time.perf_counter() - started) * workers / len(images)
    save_cached(cached, images, vectors, seconds)
    return load_cached(model, cached)


def cache_file(model: str) -> Path:
    """Where a model's vectors are cached: by its name, and SFace-int8's by its ranges file's
    hash too, since the check features recorded there change whenever the int8 graph does."""
    if model != INT8_MODEL:
        return CACHE / f"{model}.npz"
    return CACHE / f"{model}-{hashlib.sha256(RANGES.read_bytes()).hexdigest()[:12]}.npz"


def load_cached(model: str, cached: Path) -> Vectors:
    data = np.load(cached, allow_pickle=False)
    return Vectors(
        model,
        [str(i) for i in data["ids"]],
        data["matrix"],
        [str(i) for i in data["missing"]],
        float(data["seconds_per_photo"]),
    )


def save_cached(
    cached: Path, photos: list[str], found: list[list[float] | None], seconds: float
) -> None:
    """Unit vectors of the photos where a face was found, and which had none; written
    whole or not at all."""
    ids = [p for p, v in zip(photos, found) if v is not None]
    missing = [p for p, v in zip(photos, found) if v is None]
    matrix = np.array([v for v in found if v is not None], dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".partial.npz")
    np.savez(
        partial,
        ids=np.array(ids),
        matrix=matrix,
        missing=np.array(missing),
        seconds_per_photo=seconds,
    )
    partial.replace(cached)
