"""One local cluster (3 backends, 2 embedders, HAProxy, PgBouncer) for the whole session."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from facegate.foreground import running_cluster
from tests.cluster.watch import WatchedCluster

# The per-key search limit the cluster runs with: 2 requests/s, bursts of 20 (ten
# seconds' worth, backend/domain/ratelimit.py).
RATE_PER_MINUTE = 120


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WatchedCluster]:
    folder: Path = tmp_path_factory.mktemp("cluster")
    env = {
        "SEARCH_RATE_PER_MINUTE": str(RATE_PER_MINUTE),
        "READY_GRACE_SECONDS": "10",
        "CONSENT_REQUIRED": "false",  # availability, not consent, is tested here
    }
    with running_cluster(folder, backends=3, embedders=2, extra_env=env) as running:
        yield WatchedCluster.of(running)
