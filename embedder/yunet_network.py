"""YuNet on ONNX Runtime, answering as OpenCV's FaceDetectorYN.detect does.

OpenCV's dnn runs YuNet's network at half ORT's speed on the reference machine (a
640x480 frame on one core: FaceDetectorYN.detect 14.0 ms, ORT's run 6.7 ms; 320x256:
3.6 against 1.6; bench/README.md). So the network runs on ORT, and the few lines of
FaceDetectorYN around it are here, as OpenCV writes them (modules/objdetect/src/
face_detect.cpp): pad the image to a multiple of 32, decode each stride's scores, boxes
and landmarks, then OpenCV's own NMSBoxes on the integer boxes. The rows are OpenCV's to
float rounding (tests/integration/test_yunet_network.py checks them on real faces).
"""

from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from embedder.onnx_sessions import SessionThreads, build_sessions, session_for

STRIDES = (8, 16, 32)
# The padded input's sides are multiples of the coarsest stride.
DIVISOR = 32
OUTPUTS = [f"{kind}_{stride}" for kind in ("cls", "obj", "bbox", "kps") for stride in STRIDES]


def any_size_graph(weights: Path) -> bytes:
    """YuNet's graph with its input's height and width left open (the file says 640x640;
    OpenCV sets them per image, and every reshape inside already keeps -1)."""
    import onnx

    model = onnx.load(str(weights))
    (image,) = model.graph.input
    dims = image.type.tensor_type.shape.dim
    dims[2].dim_param, dims[3].dim_param = "height", "width"
    for output in model.graph.output:
        for dim in output.type.tensor_type.shape.dim:
            dim.dim_param = "n"
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


class YuNetNetwork:
    """One worker's YuNet: rows of (x, y, w, h, five landmarks as x, y, score)."""

    def __init__(
        self,
        weights: Path,
        threads: SessionThreads,
        score_threshold: float,
        nms_threshold: float = 0.3,
        top_k: int = 5000,
    ) -> None:
        self._sessions = build_sessions(any_size_graph(weights), threads)
        self.score_threshold = score_threshold
        self._nms_threshold = nms_threshold
        self._top_k = top_k

    def detect(self, bgr: NDArray[np.uint8], threads: int) -> NDArray[np.float32]:
        """Faces in `bgr`, best first, in its pixels; (0, 15) when none."""
        height, width = bgr.shape[:2]
        padded_height = ((height - 1) // DIVISOR + 1) * DIVISOR
        padded_width = ((width - 1) // DIVISOR + 1) * DIVISOR
        padded = np.zeros((padded_height, padded_width, 3), dtype=np.float32)
        padded[:height, :width] = bgr  # BGR, 0-255, as blobFromImage gives it
        blob = padded.transpose(2, 0, 1)[np.newaxis]
        outputs = session_for(self._sessions, threads).run(OUTPUTS, {"input": blob})
        found = [
            self._decode(outputs, level, stride, padded_width // stride)
            for level, stride in enumerate(STRIDES)
        ]
        rows = np.concatenate(found) if found else np.zeros((0, 15), np.float32)
        if len(rows) <= 1:
            return rows
        boxes = rows[:, :4].astype(np.int32)  # OpenCV's Rect2i: truncated toward zero
        keep = cv2.dnn.NMSBoxes(
            boxes.tolist(),
            rows[:, 14].tolist(),
            self.score_threshold,
            self._nms_threshold,
            1.0,
            self._top_k,
        )
        return rows[np.asarray(keep, dtype=np.int64).ravel()]

    def _decode(
        self, outputs: list[NDArray[np.float32]], level: int, stride: int, columns: int
    ) -> NDArray[np.float32]:
        count = len(STRIDES)
        cls = np.clip(outputs[level].reshape(-1), 0.0, 1.0)
        obj = np.clip(outputs[level + count].reshape(-1), 0.0, 1.0)
        score = np.sqrt(cls * obj)
        (kept,) = np.nonzero(score >= self.score_threshold)
        bbox = outputs[level + 2 * count].reshape(-1, 4)[kept]
        kps = outputs[level + 3 * count].reshape(-1, 10)[kept]
        column = (kept % columns).astype(np.float32)[:, np.newaxis]
        row = (kept // columns).astype(np.float32)[:, np.newaxis]
        centre_x = (column[:, 0] + bbox[:, 0]) * stride
        centre_y = (row[:, 0] + bbox[:, 1]) * stride
        w = np.exp(bbox[:, 2]) * stride
        h = np.exp(bbox[:, 3]) * stride
        faces = np.empty((len(kept), 15), dtype=np.float32)
        faces[:, 0] = centre_x - w / 2
        faces[:, 1] = centre_y - h / 2
        faces[:, 2] = w
        faces[:, 3] = h
        faces[:, 4:14:2] = (kps[:, 0::2] + column) * stride
        faces[:, 5:14:2] = (kps[:, 1::2] + row) * stride
        faces[:, 14] = score[kept]
        return faces
