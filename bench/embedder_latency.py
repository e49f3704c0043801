"""Time inside the embedder for a 640x480 frame, against DeepFace.represent on the same frame.

Run: .venv/bin/python -m bench --only embedder_latency
"""

from typing import Any

import cv2
import numpy as np

from bench.common import RunOptions, kiosk_frame, load_deepface, save, summary, time_ms
from embedder.config import EmbedderSettings
from embedder.service import Embedder

REPEAT = 20


def run(options: RunOptions) -> dict[str, Any]:
    repeat = 5 if options.quick else REPEAT
    settings = EmbedderSettings(workers=1)
    embedder = Embedder(settings)
    embedder.warm_up()
    data = kiosk_frame()
    stages: dict[str, list[float]] = {"decode": [], "detect": [], "embed": []}

    def ours() -> None:
        answer = embedder.extract(data)
        assert len(answer["faces"]) == 1
        for stage, ms in answer["timing_ms"].items():
            stages[stage].append(ms)

    facegate = summary(time_ms(ours, repeat))

    DeepFace = load_deepface()  # noqa: N806 - deepface's own name

    def deepface() -> None:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        DeepFace.represent(image, model_name=settings.model, detector_backend=settings.detector)

    reference = summary(time_ms(deepface, repeat))
    result = {
        "frame": "640x480 JPEG, one face (obama.jpg)",
        "model": settings.model,
        "detector": settings.detector,
        "facegate_embedder": facegate,
        "facegate_stages_p50_ms": {
            stage: round(float(np.median(ms[-repeat:])), 1) for stage, ms in stages.items()
        },
        "deepface_represent": reference,
        "ratio_p50": round(facegate["p50_ms"] / reference["p50_ms"], 2),
    }
    path = save("embedder_latency", result)
    print(f"facegate embedder  p50 {facegate['p50_ms']} ms  p95 {facegate['p95_ms']} ms")
    print(f"  stages p50       {result['facegate_stages_p50_ms']}")
    print(f"DeepFace.represent p50 {reference['p50_ms']} ms  p95 {reference['p95_ms']} ms")
    print(f"ratio facegate / DeepFace: {result['ratio_p50']}   ({path})")
    return result


def summary_rows(result: dict[str, Any]) -> list[list[Any]]:
    ours = result["facegate_embedder"]
    return [
        [
            "embedder_latency",
            "in process p50 (decode/detect/embed)",
            f"{ours['p50_ms']} ms {result['facegate_stages_p50_ms']}",
            "",
            "",
        ],
        [
            "embedder_latency",
            "DeepFace.represent p50 / ratio",
            f"{result['deepface_represent']['p50_ms']} ms / {result['ratio_p50']}",
            "< 1",
            result["ratio_p50"] < 1,
        ],
    ]
