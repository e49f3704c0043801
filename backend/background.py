"""The one runner of a replica's periodic jobs (sweeps, outbox delivery, and any later
job by one more Job in bootstrap.jobs). What a run does is the domain's; when and on which
thread it runs is decided here. Every replica runs every job: the jobs share their work
through the database (advisory locks, SKIP LOCKED), never through this process."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from backend.domain.errors import DomainError

log = logging.getLogger("facegate.background")


@dataclass(frozen=True)
class Job:
    """One periodic job: `run` now, then every `interval` seconds; `copies` threads run it
    side by side (deliveries: one slow receiver must not hold up the others)."""

    name: str
    interval: float
    run: Callable[[], object]
    copies: int = 1


class Runner:
    """Runs each job on threads of its own until `stop`; a failed run is logged with the
    job's name and tried again at the next interval."""

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start every job's threads (daemons: a dying process does not wait for them)."""
        for job in self.jobs:
            for copy in range(max(1, job.copies)):
                thread = threading.Thread(
                    target=self._loop, args=(job,), name=f"{job.name}-{copy}", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def stop(self, timeout: float = 15.0) -> None:
        """Ask every job to stop and wait for runs under way (bounded by `timeout`)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def _loop(self, job: Job) -> None:
        while not self._stop.is_set():
            run_once(job)
            self._stop.wait(job.interval)


def run_once(job: Job) -> object:
    """Run the job once, logging what it did or why it did not; never raises."""
    try:
        done = job.run()
    except DomainError as error:  # the store or database is down: next time
        log.warning("%s skipped: %s", job.name, error.message)
        return None
    except Exception:
        log.exception("%s failed", job.name)
        return None
    if isinstance(done, int) and not isinstance(done, bool) and done:
        log.info("%s: %d done", job.name, done)
    return done
