"""YuNet on ONNX Runtime answers as OpenCV's FaceDetectorYN does, on real photos."""

import cv2
import numpy as np
import onnx
import pytest

from embedder.config import EmbedderSettings
from embedder.detection import YUNET_WEIGHTS
from embedder.onnx_sessions import SessionThreads
from embedder.weights import weights_folder
from embedder.yunet_network import YuNetNetwork, any_size_graph

# Sides the embedder detects at: the coarse pass, a refine square, a frame, a small photo.
SIDES = (320, 250, 640, 180)


@pytest.fixture(scope="module")
def weights():
    return weights_folder(EmbedderSettings().deepface_home) / YUNET_WEIGHTS


def opencv_rows(weights, bgr, threshold):
    detector = cv2.FaceDetectorYN.create(
        str(weights), "", (bgr.shape[1], bgr.shape[0]), threshold, 0.3
    )
    _, rows = detector.detect(bgr)
    return np.zeros((0, 15), np.float32) if rows is None else rows


def resized(bgr, side):
    scale = side / max(bgr.shape[:2])
    size = (max(1, round(bgr.shape[1] * scale)), max(1, round(bgr.shape[0] * scale)))
    return cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)


def test_the_graph_takes_any_size(weights):
    graph = onnx.load_from_string(any_size_graph(weights))
    dims = graph.graph.input[0].type.tensor_type.shape.dim
    assert [dims[2].dim_param, dims[3].dim_param] == ["height", "width"]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("threshold", [0.8, 0.3])
def test_rows_equal_opencvs_on_real_photos(weights, photos, threads, threshold):
    """Same faces in the same order, boxes and landmarks within a thousandth of a pixel;
    at 0.3 the weak candidates go through NMS too (several rows per photo)."""
    network = YuNetNetwork(weights, SessionThreads((1, 2)), score_threshold=threshold)
    compared = 0
    for name, data in photos.items():
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if bgr is None:
            continue
        for side in SIDES:
            image = resized(bgr, side)
            expected = opencv_rows(weights, image, threshold)
            got = network.detect(image, threads)
            assert got.shape == expected.shape, (name, side)
            assert np.abs(got - expected).max(initial=0) < 1e-3, (name, side)
            compared += len(expected)
    assert compared >= 20  # real faces were compared, not only empty answers


def test_an_image_without_a_face_gives_no_rows(weights):
    network = YuNetNetwork(weights, SessionThreads((1,), spin=False), score_threshold=0.8)
    grey = np.full((480, 640, 3), 128, dtype=np.uint8)
    assert network.detect(grey, 1).shape == (0, 15)
