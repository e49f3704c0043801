"""Time inside the embedder for a 640x480 frame, against DeepFace.represent on the same frame.

Run: .venv/bin/python -m bench.embedder_latency
"""

import cv2
import numpy as np

from bench.common import kiosk_frame, save, summary, time_ms
from embedder.config import EmbedderSettings
from embedder.service import Embedder

REPEAT = 20


def main() -> None:
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

    facegate = summary(time_ms(ours, REPEAT))

    from deepface import DeepFace

    def deepface() -> None:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        DeepFace.represent(image, model_name=settings.model, detector_backend=settings.detector)

    reference = summary(time_ms(deepface, REPEAT))
    result = {
        "frame": "640x480 JPEG, one face (obama.jpg)",
        "model": settings.model,
        "detector": settings.detector,
        "facegate_embedder": facegate,
        "facegate_stages_p50_ms": {
            stage: round(float(np.median(ms[-REPEAT:])), 1) for stage, ms in stages.items()
        },
        "deepface_represent": reference,
        "ratio_p50": round(facegate["p50_ms"] / reference["p50_ms"], 2),
    }
    path = save("embedder_latency", result)
    print(f"facegate embedder  p50 {facegate['p50_ms']} ms  p95 {facegate['p95_ms']} ms")
    print(f"  stages p50       {result['facegate_stages_p50_ms']}")
    print(f"DeepFace.represent p50 {reference['p50_ms']} ms  p95 {reference['p95_ms']} ms")
    print(f"ratio facegate / DeepFace: {result['ratio_p50']}   ({path})")


if __name__ == "__main__":
    main()
