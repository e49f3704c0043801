"""A rolling restart under steady check-ins loses nothing; kill -9 of a backend costs at
most the requests in flight on it."""

import os
import signal

import httpx

from facegate.samples import frame
from tests.cluster.steady import SteadyCheckins
from tests.cluster.watch import WatchedCluster

KIOSKS = 3


def restarted(cluster: WatchedCluster, n: int, old_pid: int) -> bool:
    """Backend n runs again under a new pid, ready, and HAProxy sends it requests."""
    name = f"backend-{n}"
    try:
        if cluster.pid(name) == old_pid:
            return False
        ready = httpx.get(cluster.backend_urls[n - 1] + "/readyz", timeout=3).status_code == 200
    except (OSError, ValueError, httpx.HTTPError):
        return False
    return ready and cluster.servers()[name]["status"] == "UP"


def kiosk_keys(cluster: WatchedCluster, prefix: str) -> list[str]:
    return [cluster.create_key(f"{prefix}-{n}") for n in range(KIOSKS)]


def test_each_backend_restarted_in_turn_under_steady_checkins_fails_no_request(
    cluster: WatchedCluster, photos
) -> None:
    image = frame(photos["obama2.jpg"])
    with SteadyCheckins(cluster, kiosk_keys(cluster, "rolling"), image) as stream:
        for n in (1, 2, 3):
            old = cluster.pid(f"backend-{n}")
            os.kill(old, signal.SIGTERM)  # uvicorn drains: in-flight requests finish
            cluster.wait_until(lambda n=n, old=old: restarted(cluster, n, old), 180, "back")
            served = len(stream.answers)
            cluster.wait_until(lambda s=served: len(stream.answers) >= s + 3, 60, "serving")
    assert stream.failures == []
    assert len(stream.answers) >= 20


def test_kill_9_of_a_backend_costs_at_most_the_requests_in_flight(
    cluster: WatchedCluster, photos
) -> None:
    image = frame(photos["obama.jpg"])
    with SteadyCheckins(cluster, kiosk_keys(cluster, "killed"), image) as stream:
        cluster.wait_until(lambda: len(stream.answers) >= 6, 60, "serving")
        old = cluster.pid("backend-2")
        os.kill(old, signal.SIGKILL)
        cluster.wait_until(lambda: restarted(cluster, 2, old), 180, "back")
        served = len(stream.answers)
        cluster.wait_until(lambda: len(stream.answers) >= served + 3, 60, "serving")
    # each kiosk has one request in flight at most; HAProxy replays those it can
    assert len(stream.failures) <= KIOSKS, stream.failures
    assert len(stream.answers) >= 10
