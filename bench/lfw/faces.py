"""Every face of chosen LFW photos (box and quality), and the labelled person's vector,
through the embedder's own pipeline; cached per model and selection in var/lfw-vectors/.

The small-gallery and enrollment measurements (bench/lfw/floor.py) need the held-out
people's photos and each person's first photo, about two thirds of LFW: embedding only
those is ~13 minutes on 2 idle cores instead of ~20 for all of it (bench/lfw/embed.py).
"""

import multiprocessing
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bench.lfw import embed as whole
from bench.lfw.data import Lfw
from bench.lfw.embed import CACHE, DETECTORS, Vectors

# per face: photo row, x, y, w, h, face_size, sharpness, brightness
FACE_COLUMNS = ("photo", "x", "y", "w", "h", "face_size", "sharpness", "brightness")


@dataclass(frozen=True)
class PhotoFaces:
    """The faces found on each photo (largest first, as the embedder orders them)."""

    photos: list[str]
    faces: NDArray[np.float64]  # one row per face, FACE_COLUMNS
    vectors: Vectors  # the labelled person's face (the one nearest the centre) per photo

    def of(self, photo: str) -> NDArray[np.float64]:
        row = self.photos.index(photo)
        return self.faces[self.faces[:, 0] == row]


def _faces_of(path: str) -> tuple[list[list[float]], list[float] | None]:
    from embedder.imaging import decode_image

    analyzer: Any = whole._analyzer
    assert analyzer is not None
    image = decode_image(Path(path).read_bytes(), max_pixels=40_000_000, work_max_side=1600)
    faces = analyzer.analyze(image).faces
    if not faces:
        return [], None
    rows = [
        [
            f.facial_area["x"],
            f.facial_area["y"],
            f.facial_area["w"],
            f.facial_area["h"],
            f.quality.face_size,
            f.quality.sharpness,
            f.quality.brightness,
        ]
        for f in faces
    ]

    def off_centre(face: Any) -> float:
        area = face.facial_area
        cx, cy = area["x"] + area["w"] / 2, area["y"] + area["h"] / 2
        return float((cx - image.width / 2) ** 2 + (cy - image.height / 2) ** 2)

    return rows, min(faces, key=off_centre).embedding


def photo_faces(lfw: Lfw, model: str, photos: list[str], name: str) -> PhotoFaces:
    """Faces of `photos` for this model, from var/lfw-vectors/<model>-<name>.npz when there."""
    cached = CACHE / f"{model}-{name}.npz"
    if cached.is_file():
        data = np.load(cached, allow_pickle=False)
        return _loaded(model, data)
    workers = os.cpu_count() or 1
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, whole._start_worker, (model, DETECTORS[model])) as pool:
        found = pool.map(_faces_of, [str(lfw.path(p)) for p in photos], chunksize=16)
    seconds = (time.perf_counter() - started) * workers / len(photos)
    faces = [[row, *face] for row, (rows, _) in enumerate(found) for face in rows]
    ids = [p for p, (_, v) in zip(photos, found) if v is not None]
    missing = [p for p, (_, v) in zip(photos, found) if v is None]
    matrix = np.array([v for _, v in found if v is not None], dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".partial.npz")
    np.savez(
        partial,
        photos=np.array(photos),
        faces=np.array(faces, dtype=np.float64).reshape(-1, len(FACE_COLUMNS)),
        ids=np.array(ids),
        matrix=matrix,
        missing=np.array(missing),
        seconds_per_photo=seconds,
    )
    partial.replace(cached)
    return _loaded(model, np.load(cached, allow_pickle=False))


def _loaded(model: str, data: Any) -> PhotoFaces:
    vectors = Vectors(
        model,
        [str(i) for i in data["ids"]],
        data["matrix"],
        [str(i) for i in data["missing"]],
        float(data["seconds_per_photo"]),
    )
    return PhotoFaces([str(p) for p in data["photos"]], data["faces"], vectors)


def needed_photos(lfw: Lfw) -> list[str]:
    """The held-out people's photos (galleries, check-ins, strangers) and every person's
    first photo (enrollment), in LFW's order."""
    from bench.lfw.protocol import evaluation_people

    multi, single = evaluation_people(lfw)
    held_out = set(multi) | set(single)
    return [
        photo
        for name in sorted(lfw.people)
        for number, photo in enumerate(lfw.people[name])
        if name in held_out or number == 0
    ]
