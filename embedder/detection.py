"""Face detectors. Each instance belongs to one worker: dlib's are not thread-safe.

For detector "yunet" facegate runs YuNet itself (embedder/yunet_network.py: OpenCV's
FaceDetectorYN on ONNX Runtime, twice as fast) and keeps all five landmarks (eyes, nose
tip, mouth corners): deepface's YuNet client keeps only the eyes, and SFace was trained
on faces aligned by all five (cv2.FaceRecognizerSF.alignCrop).

For detector "dlib" facegate runs dlib's HOG detector itself instead of through
deepface.extract_faces, for speed: deepface pads the frame with a 50 % black border
(4x the pixels) and always upsamples once (4x again), ~330 ms on a 640x480 frame where
the same detector needs ~25 ms. We detect on a frame shrunk to detect_max_side without
upsampling, upsample only when that finds nothing (small faces), then place the 5
landmarks on the full-resolution image exactly as deepface's own dlib client does.

A check-in wants the largest face only (`detect_largest`). YuNet then looks twice: on the
frame shrunk to a small side, which is enough to find a face near enough to the kiosk, and
again on a square around that face at the resolution a whole-frame detection would use,
so the landmarks SFace is aligned by are as precise as before. On a 640x480 frame the two
passes cost about half of one pass over the whole frame; landmarks taken from the small
pass alone cost 1.9 points of right answers on LFW as kiosk frames (bench/README.md).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np
from deepface.models.Detector import FacialAreaRegion
from numpy.typing import NDArray

from embedder.onnx_sessions import SessionThreads, request_threads
from embedder.yunet_network import YuNetNetwork

YUNET_WEIGHTS = "face_detection_yunet_2023mar.onnx"


@dataclass(frozen=True)
class Detection:
    """A face found: deepface's region (box, eyes) and, where the detector has them, its
    5 landmarks (dlib: a full_object_detection; YuNet: its 15-float row, image scale)."""

    region: FacialAreaRegion
    landmarks: Any = None


class FaceDetector(Protocol):
    """Finds faces and their eyes in a BGR image, coordinates in that image."""

    def detect(self, bgr: NDArray[np.uint8]) -> list[Detection]: ...

    def detect_largest(self, bgr: NDArray[np.uint8]) -> list[Detection]:
        """The largest face alone (or none), found as cheaply as the detector can."""
        ...


def largest(found: list[Detection]) -> list[Detection]:
    return sorted(found, key=lambda d: d.region.w * d.region.h, reverse=True)[:1]


class DlibHogDetector:
    """dlib's HOG detector plus the 5-point shape predictor, deepface's weights and eyes."""

    def __init__(self, detect_max_side: int) -> None:
        from deepface.models.face_detection.Dlib import DlibClient

        # deepface builds the detector and finds the landmark weights; we own the instance.
        model = DlibClient().model
        self._hog = model["face_detector"]
        self._landmarks = model["sp"]
        self._detect_max_side = detect_max_side

    def detect(self, bgr: NDArray[np.uint8]) -> list[Detection]:
        rgb = np.ascontiguousarray(bgr[:, :, ::-1])
        small, scale = _shrink(rgb, self._detect_max_side)
        rects, scores, _ = self._hog.run(small, 0)
        if not rects:
            rects, scores, _ = self._hog.run(small, 1)
        return [self._region(rgb, rect, score, scale) for rect, score in zip(rects, scores)]

    def detect_largest(self, bgr: NDArray[np.uint8]) -> list[Detection]:
        return largest(self.detect(bgr))

    def _region(self, rgb: NDArray[np.uint8], rect: Any, score: float, scale: float) -> Detection:
        import dlib

        full = dlib.rectangle(
            round(rect.left() / scale),
            round(rect.top() / scale),
            round(rect.right() / scale),
            round(rect.bottom() / scale),
        )
        shape = self._landmarks(rgb, full)
        # deepface's naming: left/right are the person's own, points 0-1 and 2-3.
        left_eye = (
            (shape.part(0).x + shape.part(1).x) // 2,
            (shape.part(0).y + shape.part(1).y) // 2,
        )
        right_eye = (
            (shape.part(2).x + shape.part(3).x) // 2,
            (shape.part(2).y + shape.part(3).y) // 2,
        )
        height, width = rgb.shape[:2]
        x, y = max(0, full.left()), max(0, full.top())
        region = FacialAreaRegion(
            x=x,
            y=y,
            w=min(full.right(), width) - x,
            h=min(full.bottom(), height) - y,
            left_eye=left_eye,
            right_eye=right_eye,
            confidence=min(max(0.0, float(score)), 1.0),
        )
        return Detection(region, shape)


# The square searched again around the face the small pass found, as a multiple of that
# face's box: room for the box to be off by a fifth of its size on any side.
REFINE_MARGIN = 1.6


class YuNetDetector:
    """OpenCV Zoo's YuNet (weights through deepface's file name), boxes plus 5 landmarks."""

    def __init__(
        self,
        detect_max_side: int,
        score_threshold: float,
        threads: SessionThreads,
        coarse_max_side: int | None = None,
    ) -> None:
        from deepface.commons import weight_utils
        from deepface.models.face_detection.YuNet import WEIGHTS_URL

        weights = weight_utils.download_weights_if_necessary(
            file_name=YUNET_WEIGHTS, source_url=WEIGHTS_URL
        )
        self._net = YuNetNetwork(Path(weights), threads, score_threshold)
        self._detect_max_side = detect_max_side
        self._coarse_max_side = min(coarse_max_side or detect_max_side, detect_max_side)

    def detect(self, bgr: NDArray[np.uint8]) -> list[Detection]:
        height, width = bgr.shape[:2]
        return [
            self._detection(row, width, height) for row in self._rows(bgr, self._detect_max_side)
        ]

    def detect_largest(self, bgr: NDArray[np.uint8]) -> list[Detection]:
        """The small pass, then the face's square again at the whole-frame resolution."""
        height, width = bgr.shape[:2]
        if max(height, width) <= self._coarse_max_side:
            return largest(self.detect(bgr))  # already small: one pass is the fine one
        coarse = self._rows(bgr, self._coarse_max_side)
        if len(coarse) == 0:
            return []
        x, y, w, h = coarse[int(np.argmax(coarse[:, 2] * coarse[:, 3]))][:4]
        side = REFINE_MARGIN * max(w, h)
        x0, y0 = max(0, int(x + w / 2 - side / 2)), max(0, int(y + h / 2 - side / 2))
        x1, y1 = min(width, int(x + w / 2 + side / 2)), min(height, int(y + h / 2 + side / 2))
        # The square at the scale the whole frame would be searched at, never finer.
        scale = min(1.0, self._detect_max_side / max(height, width))
        fine = self._rows(bgr[y0:y1, x0:x1], max(1, round(max(x1 - x0, y1 - y0) * scale)))
        if len(fine) == 0:  # the square cut the face badly: keep what the small pass saw
            row = coarse[int(np.argmax(coarse[:, 2] * coarse[:, 3]))]
        else:
            row = fine[int(np.argmax(fine[:, 2] * fine[:, 3]))].copy()
            row[[0, 4, 6, 8, 10, 12]] += x0  # back to the frame's pixels (x, y, w, h,
            row[[1, 5, 7, 9, 11, 13]] += y0  # then five landmarks as x, y)
        return [self._detection(row, width, height)]

    def _rows(self, bgr: NDArray[np.uint8], max_side: int) -> NDArray[np.float32]:
        """YuNet's rows (box, 5 landmarks, score) in `bgr`'s own pixels."""
        small, scale = _shrink(bgr, max_side)
        found = self._net.detect(small, request_threads())
        found[:, :14] /= scale  # box and landmarks back to the image's own pixels
        return found

    @staticmethod
    def _detection(full: NDArray[np.float32], width: int, height: int) -> Detection:
        x0, y0 = max(0.0, float(full[0])), max(0.0, float(full[1]))
        x1 = min(float(full[0] + full[2]), float(width))
        y1 = min(float(full[1] + full[3]), float(height))
        # YuNet's order: right eye, left eye (the person's), nose, right and left mouth.
        region = FacialAreaRegion(
            x=int(round(x0)),
            y=int(round(y0)),
            w=max(1, int(round(x1 - x0))),
            h=max(1, int(round(y1 - y0))),
            left_eye=(int(round(full[6])), int(round(full[7]))),
            right_eye=(int(round(full[4])), int(round(full[5]))),
            confidence=min(max(0.0, float(full[14])), 1.0),
        )
        return Detection(region, full)


class DeepFaceDetector:
    """Any other deepface detector (mtcnn, retinaface, ...) through its client class."""

    def __init__(self, name: str) -> None:
        from deepface.modules import modeling

        self._client = modeling.get_model_class("face_detector", name)()

    def detect(self, bgr: NDArray[np.uint8]) -> list[Detection]:
        return [Detection(region) for region in self._client.detect_faces(bgr)]

    def detect_largest(self, bgr: NDArray[np.uint8]) -> list[Detection]:
        return largest(self.detect(bgr))


def build_detector(
    name: str,
    detect_max_side: int,
    score_threshold: float,
    threads: SessionThreads,
    coarse_max_side: int | None = None,
) -> FaceDetector:
    """A fresh detector instance for one worker; `threads`: how its ONNX Runtime sessions
    run."""
    if name == "dlib":
        return DlibHogDetector(detect_max_side)
    if name == "yunet":
        return YuNetDetector(detect_max_side, score_threshold, threads, coarse_max_side)
    return DeepFaceDetector(name)


def _shrink(rgb: NDArray[np.uint8], max_side: int) -> tuple[NDArray[np.uint8], float]:
    height, width = rgb.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return rgb, 1.0
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    shrunk = np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    return shrunk, scale
