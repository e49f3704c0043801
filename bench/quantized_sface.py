"""SFace in int8: how much sooner, and what it costs in recognition (issue 26).

The machine's cores have AVX-512 VNNI, so ONNX Runtime's int8 convolutions should be
several times faster than float ones, and SFace's embedding is the largest stage of a
check-in. This part measures whether that is worth taking, on LFW (fetched, never
shipped): the embedder's own float graph (embedder/sface_network.py) against the same
graph quantized statically by ONNX Runtime (per-channel int8 weights, uint8 activations
calibrated on photos of people outside View 2), with every layer in int8, with the
first convolution and the final fully connected layer kept in float (where quantization
usually costs most), and that with each activation's range taken as what holds 99.999 %
of its values instead of all of them. Figures: one thread's time a crop, taken in turn;
LFW View 2's 10-fold accuracy; how far each photo's int8 vector lies from its float one.

.venv/bin/python -m bench --only quantized_sface   # ~10 min, 17 GB of memory at its peak
"""

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bench.common import RunOptions, decode_bgr, save
from bench.lfw.data import HOW_TO_GET, Lfw, locate
from bench.lfw.embed import Vectors
from bench.lfw.part import LfwMissing
from bench.lfw.protocol import view2_accuracy
from embedder.sface_network import fused_graph, network_input

# ORT keeps every activation of every calibration photo in memory for the percentile
# method: 300 photos took more than this machine's 23 GB, 150 peaked at 17 GB.
CALIBRATION_PHOTOS = 150
ROUNDS = 6
RUNS_A_ROUND = 50
# Where int8 usually loses most: the first convolution (raw pixels) and the layer that
# makes the 128 features.
KEPT_IN_FLOAT = ["conv_1_conv2d", "pre_fc1"]

__all__ = ["LfwMissing", "run", "skipped_rows", "summary_rows"]


def run(options: RunOptions, lfw: Lfw | None = None) -> dict[str, Any]:
    lfw = lfw or locate()
    if lfw is None:
        raise LfwMissing(HOW_TO_GET)
    pairs = lfw.pairs("pairs.txt")
    view2_images = sorted({p.first for p in pairs} | {p.second for p in pairs})
    outside = sorted(set(lfw.people) - lfw.people_in("pairs.txt"))
    calibration_images = [lfw.people[name][0] for name in outside][:CALIBRATION_PHOTOS]
    aligned = _aligned_crops(lfw, view2_images)
    calibration = list(_aligned_crops(lfw, calibration_images).values())
    print(f"  {len(aligned)} View 2 photos aligned, {len(calibration)} for calibration", flush=True)

    with tempfile.TemporaryDirectory() as work:
        graphs = _graphs(Path(work), calibration)
        sessions = {name: _session(path) for name, path in graphs.items()}
        timings = _timed_in_turn(sessions, next(iter(aligned.values())))
        vectors = {name: _vectors(session, aligned) for name, session in sessions.items()}
    float_vectors = vectors["float"].matrix
    variants = {}
    for name, found in vectors.items():
        drift = 1.0 - np.sum(found.matrix * float_vectors, axis=1)
        ms, view2 = float(np.median(timings[name])), view2_accuracy(lfw, found)
        variants[name] = {
            "ms_one_thread_p50": ms,
            "view2": view2,
            "distance_to_float_mean": float(drift.mean()),
            "distance_to_float_max": float(drift.max()),
        }
        print(f"  {name}: {ms:.2f} ms, View 2 {view2['accuracy_mean']:.2%}", flush=True)
    result = {
        "calibration_photos": len(calibration),
        "view2_photos": len(aligned),
        "rounds": ROUNDS,
        "runs_a_round": RUNS_A_ROUND,
        "variants": variants,
    }
    save("quantized_sface", result)
    return result


def _aligned_crops(lfw: Lfw, images: list[str]) -> dict[str, NDArray[np.uint8]]:
    """Each photo's largest face found and aligned as the embedder's settings have it for a
    check-in (112x112 BGR)."""
    from embedder.config import EmbedderSettings
    from embedder.detection import build_detector
    from embedder.onnx_sessions import SessionThreads
    from embedder.recognition import SFaceRecognizer

    settings = EmbedderSettings()
    plan = SessionThreads((1,))
    detector = build_detector(
        "yunet",
        settings.detect_max_side,
        settings.detect_score_threshold,
        plan,
        settings.largest_face_detect_max_side,
    )
    recognizer = SFaceRecognizer(plan)
    crops = {}
    for image in images:
        bgr = np.asarray(decode_bgr(lfw.path(image).read_bytes()), dtype=np.uint8)
        found = detector.detect_largest(bgr)
        if found:
            crops[image] = recognizer.crop(bgr, found[0])
    return crops


def _graphs(work: Path, calibration: list[NDArray[np.uint8]]) -> dict[str, Path]:
    """The embedder's float graph and its int8 versions, as files in `work`."""
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
        shape_inference,
    )

    from embedder.recognition import sface_weights

    class Calibration(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._crops = iter(calibration)

        def get_next(self) -> dict[str, NDArray[np.float32]] | None:
            crop = next(self._crops, None)
            return None if crop is None else {"data": network_input(crop)}

    float_graph = work / "float.onnx"
    float_graph.write_bytes(fused_graph(sface_weights()))
    # per-channel quantization needs opset 13 (the 2021 export is opset 11)
    onnx.save(version_converter.convert_version(onnx.load(str(float_graph)), 13), work / "13.onnx")
    prepared = work / "prepared.onnx"
    shape_inference.quant_pre_process(work / "13.onnx", prepared, skip_symbolic_shape=True)
    graphs = {"float": float_graph}
    # (name, layers kept in float, how each activation's range is taken from the photos)
    variants: tuple[tuple[str, list[str], CalibrationMethod], ...] = (
        ("int8", [], CalibrationMethod.MinMax),
        ("int8, first and last layer float", KEPT_IN_FLOAT, CalibrationMethod.MinMax),
        # the range that holds 99.999 % of the values: one outlier no longer widens a
        # layer's steps for every other value (the best of the methods tried, 2026-12-04)
        ("int8, first and last float, percentile", KEPT_IN_FLOAT, CalibrationMethod.Percentile),
    )
    for name, kept, method in variants:
        path = work / f"{len(graphs)}.onnx"
        quantize_static(
            prepared,
            path,
            Calibration(),
            quant_format=QuantFormat.QOperator,
            per_channel=True,
            activation_type=QuantType.QUInt8,  # VNNI's u8 x s8 kernels
            weight_type=QuantType.QInt8,
            nodes_to_exclude=kept,
            calibrate_method=method,
            extra_options={"CalibPercentile": 99.999},
        )
        graphs[name] = path
    return graphs


def _session(path: Path) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 1  # a check-in under load runs on one thread
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _timed_in_turn(sessions: dict[str, Any], crop: NDArray[np.uint8]) -> dict[str, list[float]]:
    """Each graph's time a crop, in rounds that take the graphs in turn, so that all meet
    the host in the same phases (a VM's speed moves by a third within the hour)."""
    feed = {"data": network_input(crop)}
    timings: dict[str, list[float]] = {name: [] for name in sessions}
    for session in sessions.values():
        for _ in range(10):
            session.run(None, feed)
    for _ in range(ROUNDS):
        for name, session in sessions.items():
            for _ in range(RUNS_A_ROUND):
                started = time.perf_counter()
                session.run(None, feed)
                timings[name].append((time.perf_counter() - started) * 1000)
    return timings


def _vectors(session: Any, aligned: dict[str, NDArray[np.uint8]]) -> Vectors:
    rows = np.stack(
        [session.run(None, {"data": network_input(c)})[0].ravel() for c in aligned.values()]
    )
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return Vectors("SFace", list(aligned), rows.astype(np.float32), [], 0.0)


def summary_rows(result: dict[str, Any]) -> list[list[Any]]:
    base = result["variants"]["float"]
    rows = []
    for name, figures in result["variants"].items():
        ms, view2 = figures["ms_one_thread_p50"], figures["view2"]["accuracy_mean"]
        no_loss = view2 >= base["view2"]["accuracy_mean"]
        rows.append(
            [
                "quantized_sface",
                f"{name}: ms a crop (1 thread) / View 2 / drift from float",
                f"{ms:.2f} ({ms / base['ms_one_thread_p50']:.2f}x) / {view2:.2%} / "
                f"{figures['distance_to_float_mean']:.4f}",
                "no loss in View 2",
                "yes" if no_loss else "**no**",
            ]
        )
    return rows


def skipped_rows(reason: str) -> list[list[Any]]:
    return [["quantized_sface", "skipped", reason[:60], "", ""]]
