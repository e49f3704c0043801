"""EMBEDDER_URL with several embedders: the backend's client spreads requests over them per
request, skips one that refuses connections and passes a busy one's request on."""

from collections import Counter
from typing import Any

import pytest

from backend.domain import errors
from backend.infrastructure.embedder_pool import REST_SECONDS, embedder_urls
from backend.infrastructure.http_embedder import HttpEmbedder
from tests.unit.fake_embedders import answer, refused, stand_ins

MODEL = {"model": "SFace", "dim": 128, "detector": "yunet", "thresholds": {}}
URLS = "http://e1:8501, http://e2:8501/,http://e3:8501"


class Embedders:
    """Three embedders: `down` refuse connections, `busy` are full."""

    def __init__(self) -> None:
        self.served: Counter[str] = Counter()
        self.down: set[str] = set()
        self.busy: set[str] = set()

    def __call__(self, host: str, method: str, url: str) -> Any:
        if host in self.down:
            raise refused(host)
        if host in self.busy:
            body = {"error": {"code": "embedder_busy", "message": "full", "details": {}}}
            return answer(503, body, {"Retry-After": "2"})
        self.served[host] += 1
        return answer(200, MODEL)


@pytest.fixture
def embedders() -> Embedders:
    return Embedders()


def client(embedders: Embedders, clock: list[float] | None = None) -> HttpEmbedder:
    made = HttpEmbedder(URLS, connections=stand_ins(embedders))
    if clock is not None:
        made._pool._clock = lambda: clock[0]
    return made


def test_the_setting_lists_urls_separated_by_commas() -> None:
    assert embedder_urls(URLS) == ["http://e1:8501", "http://e2:8501", "http://e3:8501"]
    assert embedder_urls("http://one:8501/") == ["http://one:8501"]
    with pytest.raises(ValueError, match="no embedder"):
        embedder_urls(" , ")


def test_requests_go_round_robin_over_every_embedder(embedders: Embedders) -> None:
    embedder = client(embedders)
    for _ in range(30):
        embedder.model_info()
    assert embedders.served == {"e1": 10, "e2": 10, "e3": 10}


def test_an_embedder_refusing_connections_is_skipped_and_nothing_fails(
    embedders: Embedders,
) -> None:
    embedders.down = {"e2"}
    embedder = client(embedders)
    for _ in range(30):
        assert embedder.model_info().model == "SFace"
    assert embedders.served["e2"] == 0
    assert embedders.served["e1"] + embedders.served["e3"] == 30
    assert min(embedders.served["e1"], embedders.served["e3"]) >= 10


def test_a_refusing_embedder_rests_then_gets_work_again(embedders: Embedders) -> None:
    clock = [100.0]
    embedders.down = {"e1"}
    embedder = client(embedders, clock)
    embedder.model_info()  # e1 refuses, e2 serves, e1 rests
    embedders.down = set()  # e1 is back, but rests for REST_SECONDS
    for _ in range(6):
        embedder.model_info()
    assert embedders.served["e1"] == 0
    clock[0] += REST_SECONDS + 0.1
    for _ in range(6):
        embedder.model_info()
    assert embedders.served["e1"] == 2


def test_a_busy_embedder_passes_the_request_to_the_next(embedders: Embedders) -> None:
    embedders.busy = {"e1", "e2"}
    embedder = client(embedders)
    for _ in range(5):
        embedder.model_info()
    assert embedders.served == {"e3": 5}


def test_all_busy_is_embedder_busy_and_all_down_is_unavailable(embedders: Embedders) -> None:
    embedder = client(embedders)
    embedders.busy = {"e1", "e2", "e3"}
    with pytest.raises(errors.EmbedderBusy) as busy:
        embedder.model_info()
    assert busy.value.retry_after == 2
    embedders.busy = set()
    embedders.down = {"e1", "e2", "e3"}
    with pytest.raises(errors.EmbedderUnavailable, match="not reachable"):
        embedder.ready()


def test_readiness_probes_between_requests_leave_the_rotation_alone(
    embedders: Embedders,
) -> None:
    """The balancer probes /readyz every second: if a probe took a turn, which embedder the
    next check-in reaches would depend on how many probes fell between two check-ins."""
    embedder = client(embedders)
    for n in range(30):
        for _ in range(n % 3):
            embedder.ready()
        embedder.model_info()
    probes = sum(n % 3 for n in range(30))
    assert embedders.served["e1"] == 10 + probes  # probes ask the first awake embedder
    assert (embedders.served["e2"], embedders.served["e3"]) == (10, 10)
