"""Shared helpers for the benchmarks: options, timing, frames, the machine and result files."""

import io
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from facegate import samples
from facegate.samples import frame
from facegate_shared.paths import REPO_ROOT

RESULTS = Path(__file__).resolve().parent / "results"
DEEPFACE_HOME = REPO_ROOT / "var" / "deepface"
# The Dlib-scale cosine threshold gallery_scale's synthetic same-person vectors were made
# for (its random 128-d vectors stand for no model; the HNSW figures do not depend on it).
MATCH_THRESHOLD = 0.07


@dataclass(frozen=True)
class RunOptions:
    """How big a run is: --quick (smoke), default, or --full (1M vectors)."""

    quick: bool = False
    full: bool = False


def photo(name: str) -> bytes:
    return samples.photo(name)


def kiosk_frame(name: str = "obama.jpg") -> bytes:
    """A 640x480 JPEG with one face, as a kiosk camera would send."""
    return frame(photo(name), 640, 480)


def kiosk_crop(frame_jpeg: bytes, box: dict[str, int], min_side: int = 320) -> bytes:
    """The square crop around a face that static/js/detector.js cropAroundFace sends (JPEG q90)."""
    from PIL import Image

    image = Image.open(io.BytesIO(frame_jpeg)).convert("RGB")
    side = max(2 * max(box["w"], box["h"]), min_side)
    w, h = min(side, image.width), min(side, image.height)
    cx, cy = box["x"] + box["w"] / 2, box["y"] + box["h"] / 2
    x = round(min(max(cx - w / 2, 0), image.width - w))
    y = round(min(max(cy - h / 2, 0), image.height - h))
    out = io.BytesIO()
    image.crop((x, y, x + w, y + h)).save(out, "JPEG", quality=90)
    return out.getvalue()


def image_size(data: bytes) -> str:
    from PIL import Image

    width, height = Image.open(io.BytesIO(data)).size
    return f"{width}x{height}"


def load_deepface() -> Any:
    """DeepFace, pointed at the project's weights (set before deepface is first imported)."""
    from embedder.weights import engine_for, point_deepface_at

    point_deepface_at(DEEPFACE_HOME, engine_for("Dlib", ""))
    from deepface import DeepFace

    return DeepFace


def decode_bgr(data: bytes) -> np.ndarray:
    import cv2

    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("not a decodable image")
    return np.asarray(image)


def cosine_distance(a: Any, b: Any) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def time_ms(call: Callable[[], Any], repeat: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        call()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 30 samples is the 29th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, round(fraction * len(ordered)) - 1)]


def summary(timings: list[float]) -> dict[str, float]:
    return {
        "n": len(timings),
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "min_ms": round(min(timings), 1),
    }


def save(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"machine": machine(), **result}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def machine() -> dict[str, Any]:
    """Cores, CPU model, RAM and load: what a figure was measured on."""
    cpu = platform.processor()
    ram_gb = 0.0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


def print_table(headers: list[str], rows: list[list[Any]]) -> None:
    """A plain fixed-width table on stdout."""
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
