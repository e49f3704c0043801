"""LFW as kiosk frames: does finding the face on a smaller copy of the frame cost recognition?

A check-in asks for the largest face only: YuNet finds it on the frame shrunk to
EMBEDDER_LARGEST_FACE_DETECT_MAX_SIDE (320), then again on a square around it at the
whole-frame resolution (embedder/detection.py); enrollment searches the whole frame at
EMBEDDER_DETECT_MAX_SIDE (640). LFW's own photos are 250x250, below both sizes, so the
standard LFW figures cannot show a difference. Here every held-out photo is made a kiosk
frame (scaled to 480x480, a person close to the door, on a grey 640x480 canvas, JPEG 90
like facegate.samples.frame) and the office's 1:N is measured, SFace, one photo each, for:
the whole frame at 640; the whole frame at 320 (the small pass's landmarks alone); the
check-in's two passes; and two cheaper versions of them measured and not kept (the small
pass at 160; the fine pass at two thirds of the frame's resolution).

.venv/bin/python -m bench.lfw --frames     (bench/results/lfw_frames.json)
"""

import io
import multiprocessing
import os
import statistics
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from backend.calibration import load_calibration
from backend.domain.model import Metric
from backend.domain.thresholds import DEFAULT_THRESHOLDS, ThresholdSettings, thresholds_for
from bench.common import save
from bench.lfw import embed as whole
from bench.lfw import protocol
from bench.lfw.data import Lfw
from bench.lfw.embed import CACHE, Vectors, load_cached, save_cached

MODEL = "SFace"
# name: (detect_max_side, largest_face_detect_max_side or None for a whole-frame search)
VARIANTS = {
    "whole frame at 640": (640, None),
    "whole frame at 320": (320, None),
    "largest: 320, then its square at 640": (640, 320),
    "largest: 160, then its square at 640": (640, 160),
    "largest: 320, then its square at 427": (427, 320),
}
SIZES: tuple[int | None, ...] = (1000, None)
DRAWS = 10
FRAME = (640, 480)
FACE_SIDE = 480  # the 250x250 photo scaled to fill the frame's height


def as_frame(photo: bytes) -> bytes:
    from PIL import Image

    image = Image.open(io.BytesIO(photo)).convert("RGB")
    image = image.resize((FACE_SIDE, FACE_SIDE), Image.Resampling.BICUBIC)
    canvas = Image.new("RGB", FRAME, (90, 90, 90))
    canvas.paste(image, ((FRAME[0] - FACE_SIDE) // 2, (FRAME[1] - FACE_SIDE) // 2))
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=90)
    return out.getvalue()


def _largest_face(path: str, largest_only: bool) -> list[float] | None:
    """What a check-in does: the largest face of the frame."""
    from embedder.imaging import decode_image

    frame = decode_image(
        as_frame(Path(path).read_bytes()), max_pixels=40_000_000, work_max_side=1600
    )
    assert whole._analyzer is not None
    faces = whole._analyzer.analyze(frame, largest_only=largest_only).faces
    return faces[0].embedding if faces else None


def frame_vectors(lfw: Lfw, detect_max_side: int, largest_side: int | None) -> Vectors:
    """The held-out people's photos as frames, cached in var/lfw-vectors/."""
    name = f"{detect_max_side}" + (f"-largest-{largest_side}" if largest_side else "")
    cached = CACHE / f"{MODEL}-frames-{name}.npz"
    if cached.is_file():
        return load_cached(MODEL, cached)
    multi, single = protocol.evaluation_people(lfw)
    photos = [photo for name in sorted(multi + single) for photo in lfw.people[name]]
    workers = os.cpu_count() or 1
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    worker = (MODEL, "yunet", detect_max_side, largest_side)
    with context.Pool(workers, whole._start_worker, worker) as pool:
        found = pool.map(
            partial(_largest_face, largest_only=largest_side is not None),
            [str(lfw.path(p)) for p in photos],
            chunksize=16,
        )
    seconds = (time.perf_counter() - started) * workers / len(photos)
    save_cached(cached, photos, found, seconds)
    return frame_vectors(lfw, detect_max_side, largest_side)


def run(lfw: Lfw) -> dict[str, Any]:
    calibration = load_calibration(MODEL)
    assert calibration is not None
    margin = DEFAULT_THRESHOLDS.ambiguity_margin
    rows = []
    by_variant = {name: frame_vectors(lfw, *sides) for name, sides in VARIANTS.items()}
    for variant, vectors in by_variant.items():
        for size in SIZES:
            outcomes, employees = [], []
            for seed in range(DRAWS):
                gallery = protocol.draw_gallery(lfw, vectors, size, 1, seed)
                used = thresholds_for(
                    len(gallery.faces), Metric.COSINE, calibration, None, ThresholdSettings()
                )
                found = protocol.nearest(gallery)
                outcomes.append(protocol.outcome(found, used.match, margin * used.match))
                employees.append(gallery.employees)
            rows.append(
                {
                    "detection": variant,
                    "employees": round(statistics.fmean(employees)),
                    "photos": len(vectors.ids) + len(vectors.missing),
                    "no_face": len(vectors.missing),
                    "ms_per_frame_per_core": round(vectors.seconds_per_photo * 1000, 1),
                    **{
                        figure: round(statistics.fmean(getattr(o, figure) for o in outcomes), 5)
                        for figure in (
                            "right",
                            "someone_else",
                            "not_recognised",
                            "strangers_accepted",
                        )
                    },
                }
            )
    moved = {name: same_photo(by_variant[BASELINE], by_variant[name]) for name in by_variant}
    del moved[BASELINE]
    result = {"model": MODEL, "draws": DRAWS, "rows": rows, "moved_from_whole_640": moved}
    save("lfw_frames", result)
    return result


BASELINE = "whole frame at 640"


def same_photo(full: Vectors, small: Vectors) -> dict[str, float]:
    """How far one photo's vector moves from the baseline's (cosine distance)."""
    index = small.index()
    shared = [(row, index[image]) for row, image in enumerate(full.ids) if image in index]
    moved = np.array(
        [1.0 - float(full.matrix[a] @ small.matrix[b]) for a, b in shared], dtype=np.float64
    )
    return {
        "photos": len(shared),
        "median": round(float(np.median(moved)), 5),
        "p95": round(float(np.percentile(moved, 95)), 5),
        "max": round(float(moved.max()), 5),
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| detection | employees | right | as someone else | not recognised "
        "| strangers accepted | no face found | ms a frame a core |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['detection']} | {row['employees']:,} | {row['right']:.2%} "
            f"| {row['someone_else']:.3%} | {row['not_recognised']:.2%} "
            f"| {row['strangers_accepted']:.3%} | {row['no_face']} of {row['photos']:,} "
            f"| {row['ms_per_frame_per_core']} |"
        )
    lines.append("")
    for name, moved in result["moved_from_whole_640"].items():
        lines.append(
            f"- {name}: a frame's vector moves from the whole-frame-at-640 one by cosine "
            f"distance {moved['median']} (median), {moved['p95']} (p95), {moved['max']} (max), "
            f"{moved['photos']:,} frames."
        )
    return "\n".join(lines)
