"""The embedder's work behind the HTTP layer: a pool of analyzers, built and warmed once."""

import base64
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np

from embedder.analyzer import AnalyzerPool, Face, FaceAnalyzer
from embedder.config import EmbedderSettings
from embedder.imaging import DecodedImage, decode_image
from embedder.other_load import OtherLoad
from embedder.sface_int8 import deepface_model
from embedder.thread_calibration import lone_request_threads
from embedder.weights import engine_for, no_downloads, point_deepface_at

# Logged after each timing of a lone request's threads (read back by lone_threads_logged).
LONE_THREADS_CHOSEN = "timed the model: a request alone in process %d gets %d thread(s)"
TIMING_DISTURBED = (
    "timed the model in process %d while other processes kept %.2f cores busy: the timing "
    "(%d thread(s)) is not kept; a lone request keeps %d"
)
# Other processes' load above which a timing of the thread counts is not kept: a
# quarter of a core already slows the second thread's share of the work measurably.
DISTURBED_CORES = 0.25
# Timings warm-up makes, ~0.3 s each on 2 cores; the last is kept even if disturbed (a
# choice measured, logged, and timed again by the retime loop when the machine rests).
WARM_UP_TIMINGS = 3
KEPT_THOUGH_DISTURBED = (
    "other processes kept %.2f cores busy while process %d timed the model; kept for now, "
    "timed again when the machine rests"
)
THRESHOLD_METRICS = ("cosine", "euclidean", "euclidean_l2")

log = logging.getLogger("embedder")


def lone_threads_logged(log_text: str) -> dict[int, int]:
    """Process id -> the threads its latest timing gave a lone request, from the
    embedder's log (LONE_THREADS_CHOSEN lines; later lines win)."""
    pattern = re.escape(LONE_THREADS_CHOSEN).replace("%d", r"(\d+)")
    return {int(pid): int(threads) for pid, threads in re.findall(pattern, log_text)}


class Embedder:
    """Loads the model once per worker and turns image bytes into the /extract answer."""

    def __init__(self, settings: EmbedderSettings) -> None:
        import cv2

        self.settings = settings
        cv2.setNumThreads(settings.inference_threads(alone=True))
        point_deepface_at(settings.deepface_home, engine_for(settings.model, settings.engine))
        with no_downloads(settings.model):
            analyzers = [
                FaceAnalyzer(
                    settings.model,
                    settings.detector,
                    settings.align,
                    settings.detect_max_side,
                    settings.detect_score_threshold,
                    settings.largest_face_detect_max_side,
                    settings.session_threads(),
                )
                for _ in range(settings.workers)
            ]
        self.pool = AnalyzerPool(analyzers)
        self.dim = analyzers[0].dim
        # Threads for a request alone in the process: every core until warm_up has timed
        # whether they pay on this machine (embedder/thread_calibration.py).
        self.lone_threads = settings.inference_threads(alone=True)
        self.ready = False

    def warm_up(self) -> None:
        """Run every analyzer once so the first real request pays no lazy loading, then
        time which thread count a lone request should get."""
        import cv2

        blank = np.full((480, 640, 3), 128, dtype=np.uint8)
        ok, encoded = cv2.imencode(".jpg", blank)
        for _ in range(self.pool.size):
            self.extract(encoded.tobytes())
        with self.pool.borrow() as analyzer:
            analyzer.embed_crops([blank[:150, :150]])  # the model's first forward pass
        # The rest of a stack often starts beside the embedder: a timing it disturbed is
        # tried again at once, a few times, before the retime loop takes over.
        for attempt in range(1, WARM_UP_TIMINGS + 1):
            if self.retime_threads(keep_disturbed=attempt == WARM_UP_TIMINGS):
                break
        self.ready = True

    def retime_threads(
        self, interrupted: Callable[[], bool] = lambda: False, keep_disturbed: bool = False
    ) -> bool:
        """Time which thread count a lone request should get (not when EMBEDDER_THREADS
        fixes it). The last choice stays if `interrupted` says a request came meanwhile,
        or, unless `keep_disturbed`, if other processes kept the cores busy enough to skew
        the timing (other_load.py). True when a choice was kept or the count is set."""
        if self.settings.threads is not None:
            return True
        import cv2

        blank = np.full((480, 640, 3), 128, dtype=np.uint8)
        frame = decode_image(
            cv2.imencode(".jpg", blank)[1].tobytes(),
            max_pixels=self.settings.max_pixels,
            work_max_side=self.settings.work_max_side,
        )
        others = OtherLoad()
        chosen = lone_request_threads(
            lambda threads: self._time_model_work(threads, frame),
            self.settings.session_threads().counts,
            interrupted=interrupted,
        )
        if chosen is None:
            return False
        busy = others.cores()
        # Every timing's outcome, with the process: several processes may time
        # differently, and the log is where an operator or the bench sees it.
        if busy is not None and busy > DISTURBED_CORES:
            if not keep_disturbed:
                log.info(TIMING_DISTURBED, os.getpid(), busy, chosen, self.lone_threads)
                return False
            log.info(KEPT_THOUGH_DISTURBED, busy, os.getpid())
        log.info(LONE_THREADS_CHOSEN, os.getpid(), chosen)
        self.lone_threads = chosen
        return True

    def _time_model_work(self, threads: int, frame: DecodedImage) -> float:
        """Wall time of a frame's detection and one face's embedding on `threads`."""
        import cv2

        face = np.full((150, 150, 3), 128, dtype=np.uint8)  # Dlib's chip size; SFace resizes
        with self.pool.borrow() as analyzer:
            cv2.setNumThreads(threads)  # the model sessions follow it (onnx_sessions.py)
            started = time.perf_counter()
            analyzer.analyze(frame)  # YuNet over the whole frame at detect_max_side
            analyzer.embed_crops([face])
            return time.perf_counter() - started

    def extract(
        self,
        data: bytes,
        crop: bool = False,
        landmarks: bool = False,
        largest: bool = False,
        alone: Callable[[], bool] = lambda: True,
    ) -> dict[str, Any]:
        """Decode, detect, align and embed: the body of POST /api/v1/extract.

        With `crop`, each face also carries `crop_jpeg`: its aligned crop as a small
        base64 JPEG (check-in evidence); with `landmarks`, its five landmarks; with
        `largest`, only the largest face is answered (FaceAnalyzer.analyze). All are
        asked for, so callers that want none get the answer they always got. `alone`: no
        other request is served or waits in this process, asked when the work starts: it
        gets `lone_threads`, others EmbedderSettings.inference_threads' count."""
        import cv2

        # switching costs nothing
        cv2.setNumThreads(self.lone_threads if alone() else self.settings.inference_threads(False))
        started = time.perf_counter()
        image = decode_image(
            data, max_pixels=self.settings.max_pixels, work_max_side=self.settings.work_max_side
        )
        decode_ms = (time.perf_counter() - started) * 1000
        with self.pool.borrow() as analyzer:
            analysis = analyzer.analyze(image, largest_only=largest)
        return {
            **self.describe_model(),
            "image": {"width": image.width, "height": image.height},
            "faces": [
                {
                    "embedding": face.embedding,
                    "facial_area": face.facial_area,
                    "confidence": face.confidence,
                    "quality": asdict(face.quality),
                    **_extras(face, crop, landmarks),
                }
                for face in analysis.faces
            ],
            "timing_ms": {
                "decode": round(decode_ms, 1),
                "detect": round(analysis.detect_ms, 1),
                "embed": round(analysis.embed_ms, 1),
            },
        }

    def describe_model(self) -> dict[str, Any]:
        return {"model": self.settings.model, "dim": self.dim, "detector": self.settings.detector}

    def model_info(self) -> dict[str, Any]:
        """Model, dimension, detector, deepface version and DeepFace's default thresholds."""
        import deepface
        from deepface.modules.verification import find_threshold

        return {
            **self.describe_model(),
            "align": self.settings.align,
            "deepface_version": deepface.__version__,
            "thresholds": {
                m: find_threshold(deepface_model(self.settings.model), m) for m in THRESHOLD_METRICS
            },
        }


CROP_JPEG_QUALITY = 85  # a 112 px face: about 4-6 kB, enough for a person to judge


def _extras(face: Face, crop: bool, landmarks: bool) -> dict[str, Any]:
    import cv2

    extras: dict[str, Any] = {}
    if crop and face.crop is not None:
        ok, encoded = cv2.imencode(".jpg", face.crop, [cv2.IMWRITE_JPEG_QUALITY, CROP_JPEG_QUALITY])
        extras["crop_jpeg"] = base64.b64encode(encoded.tobytes()).decode() if ok else None
    if landmarks:
        extras["landmarks"] = face.landmarks
    return extras
