"""The embedder's bounded queue (EMBEDDER_QUEUE): beyond the requests being served and the
ones allowed to wait, 503 embedder_busy with Retry-After at once; the backend's client turns
that answer into EmbedderBusy. No model is loaded: the Embedder is a stand-in."""

import os
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

import embedder.app as embedder_app
from backend.domain import errors
from backend.infrastructure.http_embedder import HttpEmbedder
from embedder.config import EmbedderSettings
from tests.unit.fake_embedders import answer, stand_ins

RELEASE = threading.Event()
ALONE: list[bool] = []  # what each request was told when its work started


RETIMED: list[Callable[[], bool]] = []  # the `interrupted` of each timing of the threads


class SlowEmbedder:
    ready = True
    lone_threads = 2

    def __init__(self, settings: EmbedderSettings) -> None:
        pass

    def warm_up(self) -> None:
        pass

    def retime_threads(self, interrupted: Callable[[], bool]) -> None:
        RETIMED.append(interrupted)

    def model_info(self) -> dict[str, object]:
        return {"model": "SFace", "dim": 128, "detector": "yunet"}

    def extract(
        self,
        data: bytes,
        crop: bool = False,
        landmarks: bool = False,
        largest: bool = False,
        alone: Callable[[], bool] = lambda: True,
    ) -> dict:
        ALONE.append(alone())
        RELEASE.wait(30)
        return {**self.model_info(), "image": {"width": 1, "height": 1}, "faces": []}


@pytest.fixture
def client(monkeypatch, tmp_path):
    monkeypatch.setattr(embedder_app, "Embedder", SlowEmbedder)
    RELEASE.clear()
    ALONE.clear()
    # A load file of its own: the machine's other embedders must not count here.
    app = embedder_app.create_app(EmbedderSettings(workers=1, queue=2, load_file=tmp_path / "load"))
    with TestClient(app) as client:
        yield client
    RELEASE.set()


def post(client: TestClient) -> httpx.Response:
    return client.post("/api/v1/extract", files={"image": ("x.jpg", b"jpeg")})


def test_beyond_workers_plus_queue_the_embedder_answers_busy_at_once(client) -> None:
    answers: list[int] = []
    waiting = [
        threading.Thread(target=lambda: answers.append(post(client).status_code))
        for _ in range(3)  # one served, two waiting
    ]
    for thread in waiting:
        thread.start()
    deadline = time.monotonic() + 10
    while client.app.state.admitted < 3 and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)
    assert client.app.state.admitted == 3  # type: ignore[attr-defined]
    started = time.monotonic()
    busy = post(client)
    assert time.monotonic() - started < 2  # at once, not after the others
    assert busy.status_code == 503
    assert busy.json()["error"]["code"] == "embedder_busy"
    assert busy.headers["Retry-After"] == "1"
    RELEASE.set()
    for thread in waiting:
        thread.join(30)
    assert answers == [200, 200, 200]
    assert post(client).status_code == 200  # room again


def test_a_request_alone_in_its_process_is_told_so_and_one_with_others_behind_it_not(
    client,
) -> None:
    """EMBEDDER_THREADS unset: alone, OpenCV gets every core; with others waiting, one."""
    answers: list[int] = []

    def send() -> None:
        answers.append(post(client).status_code)

    first = threading.Thread(target=send)
    first.start()
    deadline = time.monotonic() + 10
    while not ALONE and time.monotonic() < deadline:
        time.sleep(0.01)
    behind = [threading.Thread(target=send) for _ in range(2)]  # they wait for the first
    for thread in behind:
        thread.start()
    while client.app.state.admitted < 3 and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)
    RELEASE.set()
    for thread in [first, *behind]:
        thread.join(30)
    assert answers == [200, 200, 200]
    # the second starts with the third still behind it; the third may find itself alone
    assert ALONE[:2] == [True, False]


def test_opencv_gets_every_core_alone_and_one_thread_with_others_unless_set() -> None:
    cores = os.cpu_count() or 1
    assert EmbedderSettings().inference_threads(alone=True) == cores
    assert EmbedderSettings().inference_threads(alone=False) == 1
    assert EmbedderSettings(threads=3).inference_threads(alone=False) == 3


def test_the_backend_client_maps_the_answer_to_embedder_busy() -> None:
    def busy(host: str, method: str, url: str) -> Any:
        return answer(
            503,
            {"error": {"code": "embedder_busy", "message": "1 served, 4 wait"}},
            {"Retry-After": "3"},
        )

    client = HttpEmbedder("http://embedder", connections=stand_ins(busy))
    with pytest.raises(errors.EmbedderBusy) as refused:
        client.extract(b"jpeg")
    assert refused.value.retry_after == 3
    assert refused.value.code == "embedder_busy"


def test_metrics_count_served_and_refused_requests(client) -> None:
    RELEASE.set()  # answers at once
    for _ in range(3):
        assert post(client).status_code == 200
    text = client.get("/metrics").text
    assert "embedder_extract_requests_total 3\n" in text
    assert "embedder_busy_refusals_total 0\n" in text
    assert "embedder_requests_admitted 0\n" in text
    assert "embedder_lone_request_threads 2\n" in text


def test_the_queue_is_per_model_worker() -> None:
    """A process with two workers keeps the same wait bound as two processes of one."""
    assert EmbedderSettings(workers=1, queue=16).admits == 17
    assert EmbedderSettings(workers=2, queue=16).admits == 34


def test_onnx_threads_spin_only_in_a_lone_process_unless_told():
    """Spinning threads steal the cores of another process's requests (bench/README.md)."""
    from embedder.onnx_sessions import SessionThreads

    cores = os.cpu_count() or 1
    assert EmbedderSettings().session_threads() == SessionThreads(tuple(sorted({1, cores})), True)
    assert EmbedderSettings(processes=2).session_threads().spin is False
    assert EmbedderSettings(processes=2, spin=True).session_threads().spin is True
    assert EmbedderSettings(spin=False).session_threads().spin is False
    assert EmbedderSettings(threads=1).session_threads().counts == (1,)


def test_the_thread_count_is_timed_again_while_idle_and_a_request_interrupts_it(
    monkeypatch, tmp_path
):
    monkeypatch.setattr(embedder_app, "Embedder", SlowEmbedder)
    RELEASE.clear()
    ALONE.clear()
    RETIMED.clear()
    app = embedder_app.create_app(
        EmbedderSettings(workers=1, retime_seconds=0.01, load_file=tmp_path / "load")
    )
    with TestClient(app) as client:
        deadline = time.monotonic() + 10
        while len(RETIMED) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(RETIMED) >= 2  # again and again while idle
        interrupted = RETIMED[-1]
        assert interrupted() is False
        held = threading.Thread(target=post, args=(client,))
        held.start()
        while not ALONE and time.monotonic() < deadline:
            time.sleep(0.01)
        assert interrupted() is True  # a request in the process stops a timing under way
        RELEASE.set()
        held.join(30)
        assert interrupted() is False
