"""The one runner of periodic jobs: each job runs on its interval until stopped, and its
log lines name it; bootstrap gives it every job of a replica."""

import logging
import threading

from backend.background import Job, Runner, run_once
from backend.bootstrap.jobs import build_jobs
from backend.domain.errors import StorageUnavailable
from tests.unit.world import FakeWorld


def test_a_job_that_cannot_run_is_skipped_under_its_own_name(caplog):
    def down() -> int:
        raise StorageUnavailable("the store is down")

    with caplog.at_level(logging.INFO, logger="facegate.background"):
        assert run_once(Job("snapshot sweep", 1.0, down)) is None
        assert run_once(Job("photo sweep", 1.0, lambda: 3)) == 3
        assert run_once(Job("webhook delivery", 1.0, lambda: 1 / 0)) is None
    assert [r.getMessage() for r in caplog.records] == [
        "snapshot sweep skipped: the store is down",
        "photo sweep: 3 done",
        "webhook delivery failed",
    ]


def test_each_job_runs_again_after_its_interval_until_stopped():
    runs = {"fast": 0, "slow": 0}
    three_fast = threading.Event()

    def fast() -> None:
        runs["fast"] += 1
        if runs["fast"] >= 3:
            three_fast.set()

    def slow() -> None:
        runs["slow"] += 1

    runner = Runner([Job("fast", 0.01, fast), Job("slow", 60.0, slow)])
    runner.start()
    threads = list(runner._threads)
    try:
        assert three_fast.wait(5)
    finally:
        runner.stop(timeout=5)
    assert runs["slow"] == 1  # once at the start, then not within a minute
    assert len(threads) == 2 and not any(t.is_alive() for t in threads)  # nothing runs on


def test_bootstrap_gives_the_runner_every_periodic_job_of_a_replica():
    world = FakeWorld()
    settings = world.settings(webhook_workers=3)
    jobs = build_jobs(settings, world.adapters(), world.services())
    assert [(j.name, j.copies) for j in jobs] == [
        ("photo sweep", 1),
        ("snapshot sweep", 1),
        ("snapshot upload", 1),
        ("idempotency key sweep", 1),
        ("webhook delivery", 3),
        ("webhook outbox prune", 1),
        ("audit prune", 1),
        ("retention", 1),
    ]
    assert all(job.interval > 0 for job in jobs)
