"""From a decoded image to faces with boxes, quality figures and embeddings."""

import contextlib
import queue
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedder.config import EmbedderSettings
from embedder.detection import Detection, FaceDetector, build_detector
from embedder.imaging import DecodedImage
from embedder.onnx_sessions import SessionThreads
from embedder.quality import FaceQuality, measure
from embedder.recognition import Recognizer, build_recognizer


@dataclass(frozen=True)
class Face:
    """One face found in an image; coordinates in the oriented original image."""

    embedding: list[float]
    facial_area: dict[str, Any]
    confidence: float
    quality: FaceQuality
    crop: NDArray[np.uint8] | None = None  # the aligned crop the embedding was made from
    # five landmarks (the person's right eye, left eye, nose tip, right and left mouth
    # corner) in original-image pixels, where the detector gives them (YuNet)
    landmarks: list[list[int]] | None = None


@dataclass(frozen=True)
class Analysis:
    faces: list[Face]
    detect_ms: float
    embed_ms: float


class FaceAnalyzer:
    """One worker's own detector and recognition model: never shared between threads."""

    def __init__(
        self,
        model: str,
        detector: str,
        align: bool,
        detect_max_side: int,
        detect_score_threshold: float = 0.8,
        largest_face_detect_max_side: int | None = None,
        threads: SessionThreads | None = None,
    ) -> None:
        import cv2

        # OpenCV 5's dnn warns at every model load that it ignores a target setting it
        # never got; real errors still show.
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
        self.model_name = model
        self.detector_name = detector
        # Unset (the benches, the tests): as the embedder's settings give them.
        plan = threads or EmbedderSettings().session_threads()
        self._detector: FaceDetector = build_detector(
            detector, detect_max_side, detect_score_threshold, plan, largest_face_detect_max_side
        )
        self._recognizer: Recognizer = build_recognizer(model, detector, align, plan)
        self.dim = self._recognizer.dim

    def analyze(self, image: DecodedImage, *, largest_only: bool = False) -> Analysis:
        """Detect, align and embed every face, largest first; with `largest_only` (a
        check-in) only the largest, found the detector's cheaper way (detect_largest)."""
        started = time.perf_counter()
        if largest_only:
            found = self._detector.detect_largest(image.bgr)
        else:
            found = sorted(
                self._detector.detect(image.bgr),
                key=lambda d: d.region.w * d.region.h,
                reverse=True,
            )
        crops = [self._recognizer.crop(image.bgr, detection) for detection in found]
        detected = time.perf_counter()
        embeddings = self._recognizer.embed(crops) if crops else []
        embedded = time.perf_counter()
        faces = [
            _face(detection, crop, embedding, image)
            for detection, crop, embedding in zip(found, crops, embeddings)
        ]
        return Analysis(
            faces=faces,
            detect_ms=(detected - started) * 1000,
            embed_ms=(embedded - detected) * 1000,
        )

    def embed_crops(self, crops: list[NDArray[np.uint8]]) -> list[list[float]]:
        """Embed already aligned crops (the warm-up's first forward pass)."""
        return self._recognizer.embed(crops)


def _face(
    detection: Detection, crop: NDArray[np.uint8], embedding: list[float], image: DecodedImage
) -> Face:
    """Map a region found at work scale back to original-image coordinates."""
    region = detection.region

    def back(value: float) -> int:
        return int(round(value / image.scale))

    def point(eye: Any) -> list[int] | None:
        return None if eye is None else [back(eye[0]), back(eye[1])]

    landmarks = None
    if isinstance(detection.landmarks, np.ndarray) and detection.landmarks.size >= 14:
        row = detection.landmarks
        landmarks = [[back(row[i]), back(row[i + 1])] for i in range(4, 14, 2)]

    x, y = back(region.x), back(region.y)
    w = min(back(region.w), image.width - x)
    h = min(back(region.h), image.height - y)
    area = {
        "x": x,
        "y": y,
        "w": w,
        "h": h,
        "left_eye": point(region.left_eye),
        "right_eye": point(region.right_eye),
    }
    return Face(
        embedding=embedding,
        facial_area=area,
        confidence=round(float(region.confidence or 0.0), 2),
        quality=measure(crop, face_size=min(w, h)),
        crop=crop,
        landmarks=landmarks,
    )


class AnalyzerPool:
    """A fixed set of analyzers; a request borrows one and gives it back."""

    def __init__(self, analyzers: list[FaceAnalyzer]) -> None:
        self._idle: queue.Queue[FaceAnalyzer] = queue.Queue()
        for analyzer in analyzers:
            self._idle.put(analyzer)
        self.size = len(analyzers)
        self.first = analyzers[0]

    @contextlib.contextmanager
    def borrow(self) -> Iterator[FaceAnalyzer]:
        analyzer = self._idle.get()
        try:
            yield analyzer
        finally:
            self._idle.put(analyzer)
