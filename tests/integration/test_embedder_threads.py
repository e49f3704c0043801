"""The threads a lone request gets are timed at warm-up (embedder/thread_calibration.py),
on the real model, and requests run on what was chosen."""

import os
import time

import cv2
import httpx
import pytest

import embedder.service as service
from embedder.config import EmbedderSettings
from embedder.service import Embedder, lone_threads_logged
from embedder.thread_calibration import lone_request_threads
from facegate.children import start_embedder
from facegate.processes import free_port

CORES = os.cpu_count() or 1


class QuietMachine:
    """OtherLoad on a machine where nothing else runs."""

    def cores(self) -> float:
        return 0.0


class BusyMachine:
    """OtherLoad on a machine where other processes keep `cores` busy."""

    cores_busy = 1.0

    def cores(self) -> float:
        return self.cores_busy


def largest_face(embedder: Embedder, photo: bytes, alone: bool) -> int:
    """Extract a check-in's face; the OpenCV thread count it ran on."""
    answer = embedder.extract(photo, largest=True, alone=lambda: alone)
    assert len(answer["faces"]) == 1
    return int(cv2.getNumThreads())


def test_warm_up_times_the_model_on_each_thread_count_and_requests_follow_its_choice(
    monkeypatch, photos
):
    timed: dict[int, float] = {}

    def choose_one_thread(time_on, counts, **_) -> int:
        for threads in counts:
            timed[threads] = time_on(threads)
            assert cv2.getNumThreads() == threads  # the work ran on the count timed
        return 1

    monkeypatch.setattr(service, "lone_request_threads", choose_one_thread)
    embedder = Embedder(EmbedderSettings())
    assert embedder.lone_threads == CORES  # every core until timed
    embedder.warm_up()
    assert sorted(timed) == sorted({1, CORES})
    assert all(0 < seconds < 5 for seconds in timed.values())
    assert embedder.lone_threads == 1
    assert largest_face(embedder, photos["obama.jpg"], alone=True) == 1

    monkeypatch.setattr(service, "lone_request_threads", lone_request_threads)  # the real one
    # the machine at rest whatever else runs beside the tests (the load gate: below)
    monkeypatch.setattr(service, "OtherLoad", QuietMachine)
    embedder.lone_threads = 7  # a mark no timing can choose
    assert embedder.retime_threads(interrupted=lambda: True) is False
    assert embedder.lone_threads == 7  # a request came: the last choice stays
    assert embedder.retime_threads() is True
    assert embedder.lone_threads in {1, CORES}


@pytest.mark.skipif(CORES < 2, reason="one core: there is no second thread to give")
def test_a_lone_request_gets_every_core_when_warm_up_found_them_faster(monkeypatch, photos):
    monkeypatch.setattr(service, "lone_request_threads", lambda time_on, counts, **_: max(counts))
    embedder = Embedder(EmbedderSettings())
    embedder.warm_up()
    assert largest_face(embedder, photos["obama.jpg"], alone=True) == CORES
    assert largest_face(embedder, photos["obama.jpg"], alone=False) == 1


def test_a_timing_other_processes_disturbed_is_not_kept(monkeypatch, caplog):
    timings: list[int] = []

    def choose_one_thread(time_on, counts, **_) -> int:
        timings.append(1)
        return 1

    monkeypatch.setattr(service, "lone_request_threads", choose_one_thread)
    monkeypatch.setattr(service, "OtherLoad", BusyMachine)
    embedder = Embedder(EmbedderSettings())
    caplog.set_level("INFO", logger="embedder")
    embedder.warm_up()
    # tried again at once, and the last try kept for now: a choice measured and logged
    assert len(timings) == service.WARM_UP_TIMINGS
    assert caplog.text.count("is not kept") == service.WARM_UP_TIMINGS - 1
    assert "kept for now" in caplog.text
    assert embedder.ready and embedder.lone_threads == 1
    assert lone_threads_logged(caplog.text) == {os.getpid(): 1}

    def choose_every_core(time_on, counts, **_) -> int:
        return max(counts)

    monkeypatch.setattr(service, "lone_request_threads", choose_every_core)
    assert embedder.retime_threads() is False  # still busy: the timing is not kept
    assert embedder.lone_threads == 1
    BusyMachine.cores_busy = service.DISTURBED_CORES / 2  # at rest again
    try:
        assert embedder.retime_threads() is True
    finally:
        BusyMachine.cores_busy = 1.0
    assert embedder.lone_threads == CORES
    assert lone_threads_logged(caplog.text) == {os.getpid(): CORES}


def test_a_thread_count_that_is_set_is_not_timed(monkeypatch, photos):
    def refuse(time_on, counts, **_) -> int:
        raise AssertionError("EMBEDDER_THREADS is set: nothing to time")

    monkeypatch.setattr(service, "lone_request_threads", refuse)
    embedder = Embedder(EmbedderSettings(threads=1))
    embedder.warm_up()
    assert embedder.lone_threads == 1
    assert largest_face(embedder, photos["obama.jpg"], alone=True) == 1


def test_the_running_embedder_reports_its_choice(embedder_url):
    metrics = httpx.get(f"{embedder_url}/metrics", timeout=10).text
    (line,) = [
        row for row in metrics.splitlines() if row.startswith("embedder_lone_request_threads")
    ]
    assert int(line.split()[1]) in {1, CORES}


def test_each_process_of_a_multi_process_embedder_logs_its_choice(tmp_path):
    """`python -m embedder` with EMBEDDER_PROCESSES=2 (one port, uvicorn's spawned
    processes, as a container may run it): spawned processes inherit no logging setup, so
    each sets its own, or their INFO lines (ready, the thread timing's choice) go nowhere."""
    log = tmp_path / "embedder.log"
    process = start_embedder(free_port(), {"EMBEDDER_PROCESSES": "2"}, log)
    try:

        def heard_from() -> set[int]:
            return set(lone_threads_logged(log.read_text(errors="replace")))

        # They load and time in turn, ~10 s each on 2 cores: a condition, not a pause.
        deadline = time.monotonic() + 180
        while len(heard_from()) < 2 and time.monotonic() < deadline and process.alive():
            time.sleep(0.2)
        assert len(heard_from()) == 2, log.read_text(errors="replace")[-2000:]
    finally:
        process.stop()
