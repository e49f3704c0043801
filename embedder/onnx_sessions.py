"""ONNX Runtime sessions for one worker's model: one for each thread count a request may get.

The embedder gives a request every core when it is alone in its process and one thread
when others wait (EmbedderSettings.inference_threads), and tells OpenCV so per request
(cv2.setNumThreads). ORT fixes a session's threads when it is built, so a worker keeps a
session per count and picks the one for the count the request was given.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SessionThreads:
    """The thread counts a request may be given, and whether ORT's threads spin between
    layers (EmbedderSettings.session_threads)."""

    counts: tuple[int, ...]
    spin: bool = True


def build_sessions(graph: bytes, plan: SessionThreads) -> dict[int, Any]:
    """A CPU session of `graph` for each thread count."""
    import onnxruntime as ort

    sessions = {}
    for threads in sorted(set(plan.counts)):
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # A pool thread that sleeps between layers wakes too late for layers this small
        # (SFace on 2 threads with spinning off: 15.4 ms, no faster than one); spinning
        # within a run and stopping when it ends costs no CPU between requests.
        options.add_session_config_entry(
            "session.intra_op.allow_spinning", "1" if plan.spin else "0"
        )
        options.add_session_config_entry("session.force_spinning_stop", "1")
        sessions[threads] = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
    return sessions


def session_for(sessions: dict[int, Any], threads: int) -> Any:
    """The session with `threads` threads, or the largest below (the smallest if none)."""
    fitting = max((n for n in sessions if n <= threads), default=min(sessions))
    return sessions[fitting]


def request_threads() -> int:
    """The thread count this request was given (Embedder.extract sets it for OpenCV)."""
    import cv2

    return int(cv2.getNumThreads())
