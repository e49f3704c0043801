"""Verification accuracy on every pair of test photos: facegate's embedder against DeepFace.verify.

Run: .venv/bin/python -m bench --only accuracy
Both run the default model (SFace); facegate decides at the threshold a gallery of 1,000
faces uses, DeepFace.verify at its own 1:1 threshold. The office-scale figures are the
lfw part's.
The obama* photos are one person, biden.jpg another (32bit.png is obama2.jpg again, as an
RGBA PNG, so it is left out). A photo where a system finds no face makes each of its pairs
a "no face" answer, counted as a rejection in the all-pairs accuracy.
"""

import contextlib
import itertools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.common import RunOptions, cosine_distance, load_deepface, photo, print_table, save
from facegate import samples
from facegate.children import start_embedder
from facegate.processes import free_port

DETECTORS = {"SFace": "yunet", "Dlib": "dlib"}
PHOTOS = [
    "obama.jpg",
    "obama2.jpg",
    "obama3.jpg",
    "biden.jpg",
    "obama_partial_face.jpg",
    "obama_partial_face2.jpg",
]


def person(name: str) -> str:
    return "obama" if name.startswith("obama") else name.split(".")[0]


@contextlib.contextmanager
def embedder_service() -> Iterator[str]:
    """The real embedder service on a free port, stopped by PID afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="facegate-accuracy-"))
    port = free_port()
    process = start_embedder(port, {}, folder / "embedder.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stop()
        shutil.rmtree(folder, ignore_errors=True)


def facegate_decisions(pairs: list[tuple[str, str]]) -> tuple[dict[str, Any], float, str]:
    """Cosine distance of the largest faces per pair (None: no face), the threshold a
    gallery of 1,000 faces uses with the embedder's model, and that model."""
    from backend.calibration import load_calibration
    from backend.domain.model import Metric
    from backend.domain.thresholds import ThresholdSettings, thresholds_for

    with embedder_service() as url, httpx.Client(base_url=url, timeout=120) as client:
        model = client.get("/api/v1/model").json()
        calibration = load_calibration(model["model"])
        threshold = thresholds_for(
            1000,
            Metric.COSINE,
            calibration,
            float(model["thresholds"]["cosine"]),
            ThresholdSettings(),
        ).match
        vectors = {}
        for name in PHOTOS:
            answer = client.post("/api/v1/extract", files={"image": (name, photo(name))})
            answer.raise_for_status()
            faces = answer.json()["faces"]
            vectors[name] = faces[0]["embedding"] if faces else None
    distances = {
        f"{a} ~ {b}": (
            None
            if vectors[a] is None or vectors[b] is None
            else round(cosine_distance(vectors[a], vectors[b]), 4)
        )
        for a, b in pairs
    }
    return distances, threshold, model["model"]


def deepface_decisions(pairs: list[tuple[str, str]], model: str) -> tuple[dict[str, Any], float]:
    """DeepFace.verify(model, its detector, cosine) per pair; None where it found no face."""
    deepface = load_deepface()
    distances: dict[str, Any] = {}
    threshold = 0.0
    for a, b in pairs:
        try:
            verdict = deepface.verify(
                str(samples.CACHE / a),
                str(samples.CACHE / b),
                model_name=model,
                detector_backend=DETECTORS[model],
                distance_metric="cosine",
            )
            distances[f"{a} ~ {b}"] = round(float(verdict["distance"]), 4)
            threshold = float(verdict["threshold"])
        except ValueError as error:  # "Face could not be detected ..."
            distances[f"{a} ~ {b}"] = None
            print(f"  DeepFace: {a} ~ {b}: {str(error)[:80]}")
    return distances, threshold


def score(distances: dict[str, Any], threshold: float) -> dict[str, Any]:
    """Accuracy, false accepts and false rejects at threshold."""
    same = {k: person(k.split(" ~ ")[0]) == person(k.split(" ~ ")[1]) for k in distances}
    seen = {k: d for k, d in distances.items() if d is not None}
    accepted = {k: d is not None and d <= threshold for k, d in distances.items()}
    false_accepts = sum(1 for k in distances if accepted[k] and not same[k])
    false_rejects = sum(1 for k in distances if not accepted[k] and same[k])
    wrong_seen = sum(1 for k in seen if accepted[k] != same[k])
    return {
        "threshold": threshold,
        "pairs": len(distances),
        "pairs_with_faces": len(seen),
        "accuracy_all_pairs": round(1 - (false_accepts + false_rejects) / len(distances), 4),
        "accuracy_pairs_with_faces": round(1 - wrong_seen / len(seen), 4) if seen else None,
        "false_accepts": false_accepts,
        "false_rejects": false_rejects,
        "no_face_pairs": len(distances) - len(seen),
        "distances": distances,
    }


def run(options: RunOptions) -> dict[str, Any]:
    pairs = list(itertools.combinations(PHOTOS, 2))
    facegate, facegate_threshold, model = facegate_decisions(pairs)
    reference, reference_threshold = deepface_decisions(pairs, model)
    result = {
        "model": model,
        "photos": PHOTOS,
        "facegate": score(facegate, facegate_threshold),
        "deepface_verify": score(reference, reference_threshold),
    }
    save("accuracy", result)
    rows = [
        [
            k,
            "same" if person(k.split(" ~ ")[0]) == person(k.split(" ~ ")[1]) else "diff",
            facegate[k],
            reference[k],
        ]
        for k in facegate
    ]
    print_table(["pair", "truth", "facegate", "DeepFace"], rows)
    return result


def summary_rows(result: dict[str, Any]) -> list[list[Any]]:
    ours, theirs = result["facegate"], result["deepface_verify"]
    rows = []
    for name, figures in (("facegate", ours), ("DeepFace.verify", theirs)):
        rows.append(
            [
                "accuracy",
                f"{name}: accuracy all pairs (with faces) / FA / FR / no face",
                f"{figures['accuracy_all_pairs']} ({figures['accuracy_pairs_with_faces']}) / "
                f"{figures['false_accepts']} / {figures['false_rejects']} / "
                f"{figures['no_face_pairs']}",
                ">= DeepFace" if name == "facegate" else "",
                ours["accuracy_all_pairs"] >= theirs["accuracy_all_pairs"]
                if name == "facegate"
                else "",
            ]
        )
    return rows
