"""Shared helpers for the benchmarks: timing, frames and result files."""

import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import frame
from tests.fixtures import fetch_images

RESULTS = Path(__file__).resolve().parent / "results"


def photo(name: str) -> bytes:
    if not fetch_images.cached():
        fetch_images.fetch()
    return (fetch_images.CACHE / name).read_bytes()


def kiosk_frame(name: str = "obama.jpg") -> bytes:
    """A 640x480 JPEG with one face, as a kiosk camera would send."""
    return frame(photo(name), 640, 480)


def time_ms(call: Callable[[], Any], repeat: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        call()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def summary(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(0, round(0.95 * len(ordered)) - 1)], 1),
        "min_ms": round(ordered[0], 1),
    }


def save(name: str, result: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"machine": machine(), **result}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


def machine() -> dict[str, Any]:
    import os

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "cpu": platform.processor(),
    }
