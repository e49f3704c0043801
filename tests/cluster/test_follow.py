"""A recalibration written through one replica is in force on every replica within 5 s:
the thresholds live in the gallery's row, which each backend re-reads (never only in one
process's memory)."""

import time

import httpx

from tests.cluster.watch import WatchedCluster

FOLLOW_WITHIN = 5.0


def gallery_on(url: str, key: str) -> dict:
    answer = httpx.get(
        url + "/api/v1/gallery", headers={"X-API-Key": key}, timeout=10, verify=False
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_recalibration_through_the_balancer_is_followed_by_every_backend(
    cluster: WatchedCluster,
) -> None:
    before = gallery_on(cluster.backend_urls[0], cluster.admin_key)
    with cluster.client() as admin:
        changed = admin.patch("/api/v1/gallery", json={"stranger_accept_rate": 0.0005})
        try:
            assert changed.status_code == 200, changed.text
            written = changed.json()
            assert written["settings"]["stranger_accept_rate"] == {
                "value": 0.0005,
                "source": "gallery",
            }
            assert written["match_threshold"] < before["match_threshold"]  # a stricter target
            started = time.monotonic()
            lag: dict[str, float] = {}
            while len(lag) < len(cluster.backend_urls) and time.monotonic() - started < 15:
                for url in cluster.backend_urls:
                    seen = gallery_on(url, cluster.admin_key)
                    if url not in lag and seen["match_threshold"] == written["match_threshold"]:
                        lag[url] = time.monotonic() - started
                time.sleep(0.1)
            assert set(lag) == set(cluster.backend_urls), lag
            assert max(lag.values()) <= FOLLOW_WITHIN, lag
        finally:
            restored = admin.patch("/api/v1/gallery", json={"stranger_accept_rate": None})
            assert restored.status_code == 200, restored.text
    assert restored.json()["settings"]["stranger_accept_rate"]["source"] == "configuration"
