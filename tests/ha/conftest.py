"""One `facegate run --ha` (2 backends, 1 embedder) for the fault suite, a webhook receiver,
and the report file the suite writes (HA_REPORT, else tests/output/ha-report.json)."""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from facegate.foreground import running_cluster
from facegate.processes import free_port
from facegate_shared.paths import REPO_ROOT
from tests.e2e.receiver import Receiver
from tests.ha.faults import HaCluster

REPORT = Path(os.environ.get("HA_REPORT", REPO_ROOT / "tests" / "output" / "ha-report.json"))


@pytest.fixture(scope="session")
def ha(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HaCluster]:
    folder: Path = tmp_path_factory.mktemp("ha")
    env = {
        # webhook retries in fractions of a second: the suite waits for every event
        "WEBHOOK_BACKOFF_BASE_SECONDS": "0.2",
        "WEBHOOK_BACKOFF_MAX_SECONDS": "2",
        "WEBHOOK_POLL_SECONDS": "0.2",
        # every check-in its own attendance row (no folding of repeats), so that each one
        # answered 200 can be looked for afterwards
        "CHECKIN_REPEAT_SECONDS": "0",
        "CONSENT_REQUIRED": "false",  # availability, not consent, is tested here
    }
    with running_cluster(folder, backends=2, embedders=1, extra_env=env, ha=True) as cluster:
        yield HaCluster(cluster)


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    running = Receiver(free_port()).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def report() -> Iterator[dict[str, Any]]:
    """What each test adds here is written out once the session ends."""
    figures: dict[str, Any] = {"faults": {}}
    yield figures
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(figures, indent=2, sort_keys=True))
