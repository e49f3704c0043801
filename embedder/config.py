"""Embedder settings, read from EMBEDDER_* environment variables."""

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from embedder.machine_load import default_path
from embedder.onnx_sessions import SessionThreads
from facegate_shared.paths import REPO_ROOT


class EmbedderSettings(BaseSettings):
    """Everything the embedder can be told; nothing is read at import time."""

    model_config = SettingsConfigDict(env_prefix="EMBEDDER_", extra="ignore")

    # Where the embedder listens.
    host: str = "127.0.0.1"
    # The embedder's port.
    port: int = 8501
    # SFace on YuNet's landmarks: at 1,000 employees it accepts ~50x fewer strangers than
    # Dlib at the same recognition rate (bench/README.md, lfw). Dlib stays one setting away.
    # SFace-int8 (CPUs with VNNI): SFace quantized to int8 here, its embedding a quarter
    # sooner on one thread; its own model, so a gallery moves to it by `facegate reembed`.
    model: str = "SFace"
    # The face detector: yunet with SFace, dlib with Dlib (facegate's fast paths); any other
    # DeepFace detector runs on DeepFace's own alignment. Deploy files must agree with
    # this and with model (tests/deploy/test_deploy_settings.py).
    detector: str = "yunet"
    # YuNet's face score below which a detection is dropped (deepface uses 0.9; 0.8 keeps
    # turned and dim faces, bench/README.md, lfw).
    detect_score_threshold: float = Field(default=0.8, gt=0, lt=1)
    # DeepFace's eye alignment.
    align: bool = True
    # deepface's backend engine (tensorflow, onnx, pytorch). Empty: onnx for models that
    # need no engine (Dlib), so TensorFlow is not imported for nothing; else deepface's choice.
    engine: str = ""
    # Larger uploads get 413.
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # Larger images get 413 (decompression bombs).
    max_pixels: int = Field(default=40_000_000, gt=0)
    # Inference threads per process; each owns its own model instances, so requests never
    # share state.
    workers: int = Field(default=1, ge=1, le=64)
    # Requests that may wait per model worker beyond those being served (a process admits
    # workers x (1 + queue)); beyond them the embedder answers 503 embedder_busy with
    # Retry-After at once, so overload shows as a quick, honest refusal instead of latency.
    # 16: at ~30 ms a face (SFace) a request waits at most ~0.5 s, however many workers
    # share the process's queue; a burst of 16 parallel requests per worker still passes.
    queue: int = Field(default=16, ge=0, le=1024)

    @property
    def admits(self) -> int:
        """Requests one process serves or keeps waiting at once."""
        return self.workers * (1 + self.queue)

    # uvicorn processes. 1 by default: an embedder instance is one model worker, and more
    # cores are used by more instances behind a balancer (Helm replicas, `facegate run
    # --embedders M`), so a pod's CPU request, its HPA and its queue describe one process.
    # `make run` on one machine asks for one process with a worker per core, up to 4, and
    # for Dlib, which holds the GIL while embedding, a process per core, each an instance
    # of one process on its own port (EMBEDDER_PORT, then free ports), all in the backend's
    # EMBEDDER_URL: processes sharing one port leave which one gets the backend's kept-alive
    # connections to luck (facegate/children.py one_machine_embedder, embedder_instances;
    # bench/README.md).
    processes: int = Field(default=1, ge=1, le=64)
    # Inference threads per request (YuNet and SFace on ONNX Runtime, OpenCV's resizing).
    # Unset: a request alone in its process gets every core where that is measurably faster
    # (timed at warm-up, EMBEDDER_RETIME_SECONDS), and one thread when others wait behind
    # it: on 2 cores a lone check-in's embedding takes 8.4 ms on 2 threads and 14.0 on one
    # (on some machines; others gain nothing), while under load threads of both processes
    # fighting for the cores cost more than they bring (bench/README.md: 49.7 check-ins a
    # second with every core always, 52.6 with one thread always, which made one client
    # wait 36.8 ms, not 27.0).
    threads: int | None = Field(default=None, ge=1, le=64)
    # ONNX Runtime's threads spin between a request's layers instead of sleeping: a lone
    # check-in on 2 threads 12.8 ms instead of 16.2 ms. But threads spinning beside another
    # process's work steal its cores (two embedder processes at once: 35 ms a request
    # against 22 without spinning; bench/README.md), and spinning threads of two processes
    # slowed even one request at a time (a frame 38.9 ms against 20.9 without spinning,
    # 2026-12-04). Unset: on for one process, off for several (EMBEDDER_PROCESSES > 1;
    # `facegate run --embedders M` turns it off for M > 1).
    spin: bool | None = None
    # Where the embedder processes of this machine count their requests (a slot each) and
    # take turns timing the model (embedder/machine_load.py). Processes given the same
    # file see each other's requests; an unusable file leaves a process counting alone.
    load_file: Path = Field(default_factory=default_path)
    # With EMBEDDER_THREADS unset, the thread count a lone request gets is timed at warm-up
    # (embedder/thread_calibration.py) and timed again when no embedder on the machine has
    # had a request for 1 s (~0.4 s of one core; a request that arrives, or other processes
    # busy on the cores, and it is not kept: embedder/other_load.py): 2 s after start, then
    # twice as long after each timing, up to this many seconds. A virtual machine's second
    # core comes and goes with its host's load. 0: at start only.
    retime_seconds: float = Field(default=600, ge=0)
    # Frames are detected at most this large (longest side); faces are cropped from the
    # image at up to work_max_side, so big photos cost no more than a kiosk frame.
    detect_max_side: int = Field(default=640, ge=160)
    # A request for the largest face only (a check-in, `?largest=true`) is first searched
    # for on the image shrunk to this side, then YuNet looks again at a square around the
    # face it found at detect_max_side's resolution (embedder/detection.py): a face near
    # enough to a kiosk to check in is large in its frame, and YuNet at 320 pixels costs a
    # quarter of 640 (3.3 ms against 12.3 ms on one core).
    largest_face_detect_max_side: int = Field(default=320, ge=160)
    # The resolution faces are cropped from (see detect_max_side).
    work_max_side: int = Field(default=1600, ge=320)
    # Where the weights live (.deepface/weights/); `facegate models pull` fills it.
    deepface_home: Path = REPO_ROOT / "var" / "deepface"

    def inference_threads(self, alone: bool) -> int:
        """Threads for a request: `alone` when no other waits in this process (before
        warm-up has timed whether every core pays: Embedder.lone_threads)."""
        if self.threads is not None:
            return self.threads
        return (os.cpu_count() or 1) if alone else 1

    def session_threads(self) -> SessionThreads:
        """Every thread count a request may be given (a model session is built for each),
        and whether their threads spin (`spin`; unset: only in a lone process)."""
        counts = tuple(sorted({self.inference_threads(True), self.inference_threads(False)}))
        return SessionThreads(counts, self.spin if self.spin is not None else self.processes == 1)
