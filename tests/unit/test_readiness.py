"""/readyz rides out a short blip of a shared dependency, then names what is down."""

from fastapi.testclient import TestClient

from backend.config import BackendSettings
from backend.domain import errors
from backend.domain.readiness import ReadinessTracker
from backend.main import create_app
from tests.unit.world import FakeWorld


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_blip_within_the_grace_stays_ready_then_the_dependency_is_down() -> None:
    clock = Clock()
    tracker = ReadinessTracker(grace_seconds=10, clock=clock)
    tracker.answered("database")
    tracker.answered("storage")
    assert tracker.verdict().checks == {"database": "up", "storage": "up"}
    clock.now += 4
    tracker.failed("database", "the database is not reachable")
    tracker.answered("storage")
    verdict = tracker.verdict()
    assert verdict.ready and verdict.checks == {"database": "blip", "storage": "up"}
    clock.now += 6  # 10 s after the database last answered: still within the grace
    tracker.failed("database", "the database is not reachable")
    assert tracker.verdict().ready
    clock.now += 0.5
    tracker.failed("database", "the database is not reachable")
    verdict = tracker.verdict()
    assert not verdict.ready
    assert verdict.down == ["database"]
    assert verdict.failing == {"database": "the database is not reachable"}
    tracker.answered("database")  # back: ready at once, and a new grace from now
    assert tracker.verdict().checks == {"database": "up", "storage": "up"}


def test_a_dependency_that_never_answered_gets_no_grace() -> None:
    tracker = ReadinessTracker(grace_seconds=10, clock=Clock())
    tracker.failed("embedder", "no embedder is reachable")
    assert tracker.verdict().down == ["embedder"]


def test_zero_grace_reports_a_failure_at_once() -> None:
    clock = Clock()
    tracker = ReadinessTracker(grace_seconds=0, clock=clock)
    tracker.answered("storage")
    clock.now += 0.01
    tracker.failed("storage", "S3 is down")
    assert not tracker.verdict().ready


def test_readyz_over_http_is_ready_in_a_blip_and_503_after_it(tmp_path) -> None:
    clock = Clock()
    services = FakeWorld().services()
    services.readiness = ReadinessTracker(grace_seconds=10, clock=clock)
    probes = services.probes
    app = create_app(BackendSettings(static_dir=tmp_path), services=services)
    with TestClient(app) as client:
        ready_through_a_blip(client, probes, clock)


def ready_through_a_blip(client: TestClient, probes: dict, clock: Clock) -> None:
    probes["database"] = lambda: None
    assert client.get("/readyz").json()["checks"] == {"embedder": "up", "database": "up"}

    def down() -> None:
        raise errors.DatabaseUnavailable("the database is not reachable")

    probes["database"] = down
    clock.now += 5
    blip = client.get("/readyz")
    assert blip.status_code == 200
    assert blip.json()["checks"] == {"embedder": "up", "database": "blip"}
    clock.now += 6
    answer = client.get("/readyz")
    assert answer.status_code == 503
    error = answer.json()["error"]
    assert error["code"] == "not_ready"
    assert error["message"] == "not ready: database down"
    assert error["details"]["database"] == "the database is not reachable"
    assert client.get("/healthz").status_code == 200  # the process itself is fine


def test_a_hanging_dependency_is_a_blip_not_a_hung_readyz(tmp_path, monkeypatch) -> None:
    """A frozen dependency (no answer at all, not a refusal) must not hold /readyz past the
    balancer's check timeout: its probe is given up after PROBE_SECONDS and counted failed."""
    import threading

    from backend.handler import health

    monkeypatch.setattr(health, "PROBE_SECONDS", 0.2)
    frozen = threading.Event()
    services = FakeWorld().services()
    services.readiness = ReadinessTracker(grace_seconds=10, clock=Clock())
    app = create_app(BackendSettings(static_dir=tmp_path), services=services)
    try:
        with TestClient(app) as client:
            services.probes["storage"] = lambda: None
            assert client.get("/readyz").status_code == 200

            def hangs() -> None:
                frozen.wait(30)

            services.probes["storage"] = hangs
            blip = client.get("/readyz")
            assert blip.status_code == 200
            assert blip.json()["checks"]["storage"] == "blip"
            services.readiness = ReadinessTracker(grace_seconds=0, clock=Clock())
            down = client.get("/readyz")
            assert down.status_code == 503
            assert down.json()["error"]["details"]["storage"] == (
                "storage did not answer within 0.2 s"
            )
    finally:
        frozen.set()  # the abandoned probe thread ends
