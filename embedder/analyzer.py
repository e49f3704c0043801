"""From a decoded image to faces with boxes, quality figures and embeddings."""

import contextlib
import queue
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from deepface.models.Detector import FacialAreaRegion
from deepface.modules import detection, modeling, preprocessing
from numpy.typing import NDArray

from embedder.detection import Detection, FaceDetector, build_detector
from embedder.imaging import DecodedImage
from embedder.quality import FaceQuality, measure


@dataclass(frozen=True)
class Face:
    """One face found in an image; coordinates in the oriented original image."""

    embedding: list[float]
    facial_area: dict[str, Any]
    confidence: float
    quality: FaceQuality


@dataclass(frozen=True)
class Analysis:
    faces: list[Face]
    detect_ms: float
    embed_ms: float


class FaceAnalyzer:
    """One worker's own detector and recognition model: never shared between threads."""

    def __init__(self, model: str, detector: str, align: bool, detect_max_side: int) -> None:
        self.model_name = model
        self.detector_name = detector
        self._align = align
        self._detector: FaceDetector = build_detector(detector, detect_max_side)
        # A fresh instance, not deepface's process-wide cached one (DeepFace.build_model):
        # dlib's network keeps its activations in the object, so sharing would mix requests.
        self._model = modeling.get_model_class("facial_recognition", model)()
        self.dim = int(self._model.output_shape)
        # dlib's ResNet was trained on dlib's own face chips, cut by the 5 landmarks; fed
        # those instead of deepface's eye-levelled detector box, the same person's photos
        # come out closer and different people further apart (bench/README.md, accuracy),
        # and the HOG box's coarse position no longer moves the vector.
        self._dlib_chips = model == "Dlib" and detector == "dlib" and align

    def analyze(self, image: DecodedImage) -> Analysis:
        """Detect, align and embed every face, largest first."""
        started = time.perf_counter()
        found = sorted(
            self._detector.detect(image.bgr),
            key=lambda d: d.region.w * d.region.h,
            reverse=True,
        )
        rgb = np.ascontiguousarray(image.bgr[:, :, ::-1]) if self._dlib_chips and found else None
        crops = [self._crop(image.bgr, rgb, detection) for detection in found]
        detected = time.perf_counter()
        embeddings = self._embed(crops)
        embedded = time.perf_counter()
        faces = [
            _face(detection.region, crop, embedding, image)
            for detection, crop, embedding in zip(found, crops, embeddings)
        ]
        return Analysis(
            faces=faces,
            detect_ms=(detected - started) * 1000,
            embed_ms=(embedded - detected) * 1000,
        )

    def _crop(
        self, bgr: NDArray[np.uint8], rgb: NDArray[np.uint8] | None, found: Detection
    ) -> NDArray[np.uint8]:
        """The aligned face, BGR: dlib's chip for Dlib, else deepface's own alignment."""
        if rgb is not None and found.landmarks is not None:
            import dlib

            chip = dlib.get_face_chip(rgb, found.landmarks, size=150, padding=0.25)
            return np.ascontiguousarray(np.asarray(chip, dtype=np.uint8)[:, :, ::-1])
        # deepface's alignment: rotate a margin around the box so the eyes are level.
        aligned = detection.extract_face(
            facial_area=found.region,
            img=bgr,
            align=self._align,
            expand_percentage=0,
            width_border=0,
            height_border=0,
            detector_backend=self.detector_name,
        )
        return np.asarray(aligned.img, dtype=np.uint8)

    def _embed(self, crops: list[NDArray[np.uint8]]) -> list[list[float]]:
        """deepface.represent's steps for detector 'skip', on this worker's own model."""
        if not crops:
            return []
        if self._dlib_chips:
            # The chips are already the network's 150x150 input: straight to dlib.
            network = self._model.model.model  # deepface DlibClient -> DlibResNet -> dlib
            chips = [np.ascontiguousarray(crop[:, :, ::-1]) for crop in crops]
            return [list(map(float, vector)) for vector in network.compute_face_descriptor(chips)]
        height, width = self._model.input_shape
        batch = [
            preprocessing.normalize_input(
                preprocessing.resize_image(crop / 255.0, target_size=(width, height)), "base"
            )
            for crop in crops
        ]
        vectors = self._model.forward(np.concatenate(batch, axis=0))
        if len(crops) == 1:
            return [list(map(float, vectors))]
        return [list(map(float, vector)) for vector in vectors]


def _face(
    region: FacialAreaRegion, crop: NDArray[np.uint8], embedding: list[float], image: DecodedImage
) -> Face:
    """Map a region found at work scale back to original-image coordinates."""

    def back(value: float) -> int:
        return int(round(value / image.scale))

    def point(eye: Any) -> list[int] | None:
        return None if eye is None else [back(eye[0]), back(eye[1])]

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
