"""SFace in int8 (EMBEDDER_MODEL=SFace-int8): the embedder's float graph quantized statically
by ONNX Runtime, built on the user's machine from the wheel's float file and committed
activation ranges.

Why: the embedding is the largest stage of a check-in, and on cores with VNNI ORT's int8
convolutions run ~3x faster than float ones; the whole network takes a quarter less time
on one thread (bench/README.md, "SFace in int8"). What it costs: vectors move from the
float model's by 0.0067 cosine on average (0.044 at most) on LFW View 2, and at 1,000
employees 92.4 % are recognised at the first look against 92.8 %, strangers and mix-ups
unchanged; it is another model, with its own calibration table
(backend/calibration/sface-int8.json), so a gallery embedded by SFace is re-embedded
(`facegate reembed`) before it is matched.

How, and why this way:
- Weights: per channel, int8; activations uint8 (VNNI's u8 x s8 kernels). The first
  two convolutions and the layer that makes the 128 features stay float, where int8
  costs most (KEPT_IN_FLOAT).
- Activation ranges: what holds 99.999 % of each activation's values on the first photo of
  each of LFW View 1's training people (the people the thresholds are fitted on, never the
  people the bench evaluates on), written by `python -m bench.quantized_sface
  --write-ranges` into sface_int8_ranges.json. Numbers, not photos: a user's machine has
  no face photos to calibrate on, and the graph it builds must be the one measured.
- The graph is built once and cached beside the float weights, under a name that hashes
  the float file, the ranges and ORT's version; a cached file is checked by hash too.
- It must compute what was measured: the ranges file holds the int8 network's features of
  a fixed input, and a built graph whose features differ (another ORT, a CPU whose int8
  kernels saturate) is refused at start, as is an x86 CPU without VNNI (ORT's AVX2 u8 x s8
  path adds pairs of products in 16 bits and can saturate).
"""

import hashlib
import json
import logging
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedder.sface_network import fused_graph

INT8_MODEL = "SFace-int8"
RANGES = Path(__file__).with_name("sface_int8_ranges.json")
# Where int8 costs most: the first convolution (raw pixels), the depthwise convolution
# after it and the features' layer. conv_2_dw is the one layer of 26 whose int8 moved the
# vectors measurably (each kept float in turn, on the first photos of 400 held-out LFW
# people: mean drift from float 0.0116 -> 0.0066, largest 0.042 -> 0.016; no other layer
# below 0.0113), and keeping it float costs no time (5.41 against 5.55 ms a crop, 1 thread).
KEPT_IN_FLOAT = ("conv_1_conv2d", "conv_2_dw_conv2d", "pre_fc1")
PERCENTILE = 99.999
# The fixed input the ranges file's check vector was computed on.
CHECK_SEED = 26
# How far a built graph's features of the check input may lie from the recorded ones
# (cosine distance). Measured: the same int8 graph on one thread and on two, 6e-8; the
# float graph, 0.12; a graph on four times the ranges fails it (tests/integration).
CHECK_TOLERANCE = 1e-4

log = logging.getLogger("embedder")


def deepface_model(model: str) -> str:
    """deepface's name for a model: SFace-int8 is SFace's weights, quantized here."""
    return "SFace" if model == INT8_MODEL else model


class Int8Unavailable(RuntimeError):
    """SFace-int8 cannot run as measured on this machine; the message says why and what to do."""


def check_input() -> NDArray[np.float32]:
    """The fixed input of the check: seeded noise as the network's 112x112 RGB blob."""
    noise = np.random.default_rng(CHECK_SEED).integers(0, 256, size=(1, 3, 112, 112))
    return noise.astype(np.float32)


def int8_graph(float_weights: Path, ranges: Path = RANGES) -> bytes:
    """The int8 graph, from the cache beside the float weights or built and cached there;
    Int8Unavailable when this machine would not compute what was measured."""
    require_vnni()
    recorded = json.loads(ranges.read_text())
    key = _cache_key(float_weights, ranges)
    cached = float_weights.parent / f"sface_int8_{key[:16]}.onnx"
    digest = cached.with_suffix(".sha256")
    graph = _read_cached(cached, digest)
    if graph is None:
        graph = build_int8_graph(float_weights, recorded)
        _write_cached(cached, digest, graph)
    _check(graph, recorded)
    return graph


def build_int8_graph(float_weights: Path, recorded: dict[str, Any]) -> bytes:
    """Quantize the embedder's fused float graph with the recorded activation ranges."""
    from onnxruntime.quantization import CalibrationMethod, quantize_static
    from onnxruntime.quantization.calibrate import TensorData, TensorsData, save_tensors_data

    with tempfile.TemporaryDirectory(prefix="facegate-int8-") as folder:
        work = Path(folder)
        prepared = prepared_graph(float_weights, work)
        tensors = TensorsData(
            CalibrationMethod.Percentile,
            {
                name: TensorData(lowest=np.float32(low), highest=np.float32(high))
                for name, (low, high) in recorded["ranges"].items()
            },
        )
        save_tensors_data(tensors, work / "ranges.json")
        output = work / "int8.onnx"
        quantize_static(
            prepared,
            output,
            None,
            calibration_cache_path=work / "ranges.json",
            **quantization_options(),
        )
        return output.read_bytes()


def quantization_options() -> dict[str, Any]:
    """quantize_static's options, the same when the ranges are measured and when used."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType

    return {
        "quant_format": QuantFormat.QOperator,
        "per_channel": True,
        "activation_type": QuantType.QUInt8,  # VNNI's u8 x s8 kernels
        "weight_type": QuantType.QInt8,
        "nodes_to_exclude": list(KEPT_IN_FLOAT),
        "calibrate_method": CalibrationMethod.Percentile,
        "extra_options": {"CalibPercentile": PERCENTILE},
    }


def prepared_graph(float_weights: Path, work: Path) -> Path:
    """The fused float graph at opset 13 (per-channel quantization needs it; the 2021
    export is opset 11), shapes inferred: the graph the ranges are named after."""
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization import shape_inference

    at_13 = work / "opset13.onnx"
    onnx.save(
        version_converter.convert_version(onnx.load_from_string(fused_graph(float_weights)), 13),
        at_13,
    )
    prepared = work / "prepared.onnx"
    shape_inference.quant_pre_process(at_13, prepared, skip_symbolic_shape=True)
    return prepared


def features(graph: bytes, blob: NDArray[np.float32]) -> NDArray[np.float32]:
    """One run of `graph` on one thread: the unit-length features of `blob`."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
    (found,) = session.run(None, {"data": blob})
    vector = np.asarray(found, dtype=np.float32).ravel()
    return vector / np.linalg.norm(vector)


def require_pairing(detector: str, align: bool) -> None:
    """Int8Unavailable unless SFace-int8 runs as it was measured: on YuNet's five-landmark
    alignment (embedder/recognition.py); it has no deepface path to fall back on."""
    if detector != "yunet" or not align:
        raise Int8Unavailable(
            f"{INT8_MODEL} runs on EMBEDDER_DETECTOR=yunet with EMBEDDER_ALIGN=true, not "
            f"detector {detector} with align {str(align).lower()}"
        )


def int8_kernels_exact() -> bool:
    """False on an x86 CPU without VNNI (AVX-512 VNNI or AVX-VNNI), where ORT's u8 x s8
    kernels add pairs of products in 16 bits and can saturate."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return True  # ARM's int8 dot products accumulate in 32 bits
    flags = _cpu_flags()
    return flags is None or bool(flags & {"avx512_vnni", "avx_vnni"})


def require_vnni() -> None:
    """Int8Unavailable where int8_kernels_exact says no."""
    if not int8_kernels_exact():
        raise Int8Unavailable(
            "SFace-int8 needs a CPU with VNNI (AVX-512 VNNI or AVX-VNNI): without it ONNX "
            "Runtime's int8 kernels can saturate and the vectors would not be the ones "
            "measured. Use EMBEDDER_MODEL=SFace on this machine."
        )


def _cpu_flags() -> set[str] | None:
    """The CPU's flags from /proc/cpuinfo, or None where there is no such file."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def _cache_key(float_weights: Path, ranges: Path) -> str:
    import onnxruntime

    hashed = hashlib.sha256()
    hashed.update(hashlib.sha256(float_weights.read_bytes()).digest())
    hashed.update(hashlib.sha256(ranges.read_bytes()).digest())
    hashed.update(onnxruntime.__version__.encode())
    return hashed.hexdigest()


def _read_cached(cached: Path, digest: Path) -> bytes | None:
    """The cached graph, or None when absent or not the bytes that were written."""
    try:
        graph, expected = cached.read_bytes(), digest.read_text().strip()
    except OSError:
        return None
    if hashlib.sha256(graph).hexdigest() != expected:
        log.warning("the cached int8 graph %s is damaged: building it again", cached)
        return None
    return graph


def _write_cached(cached: Path, digest: Path, graph: bytes) -> None:
    """Cache the graph beside the weights (whole files only: written aside, then renamed);
    a read-only folder only costs the build at every start."""
    try:
        for path, data in ((cached, graph), (digest, hashlib.sha256(graph).hexdigest().encode())):
            partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
            partial.write_bytes(data)
            partial.replace(path)
    except OSError as error:
        log.warning("the int8 graph is not cached (%s): it is built at every start", error)


def _check(graph: bytes, recorded: dict[str, Any]) -> None:
    expected = np.asarray(recorded["check"]["features"], dtype=np.float32)
    distance = 1.0 - float(features(graph, check_input()) @ expected)
    if distance > CHECK_TOLERANCE:
        raise Int8Unavailable(
            f"the int8 graph built here computes other features than the measured one "
            f"(cosine distance {distance:.2e} on the check input; ONNX Runtime "
            f"{recorded['check']['onnxruntime']} was measured): use EMBEDDER_MODEL=SFace, "
            "or write the ranges again with this ONNX Runtime (python -m bench.quantized_sface "
            "--write-ranges) and measure it"
        )
