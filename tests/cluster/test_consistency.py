"""What must hold across replicas: one face enrolled once however many replicas race for
it, a key's rate limit shared, and the work spread over both embedders."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg

from facegate.samples import frame
from tests.cluster.conftest import RATE_PER_MINUTE
from tests.cluster.watch import WatchedCluster

ENROLLMENTS = 16


def test_sixteen_enrollments_of_one_new_face_create_exactly_one(cluster, photos) -> None:
    image = photos["biden.jpg"]
    start = threading.Barrier(ENROLLMENTS)

    def enroll(n: int) -> httpx.Response:
        with cluster.client() as client:
            start.wait()
            return client.post(
                "/api/v1/employees/insert",
                data={"employee_id": f"RACE-{n}", "employee_name": f"Racer {n}"},
                files={"image": ("biden.jpg", image, "image/jpeg")},
            )

    before = served_by_backend(cluster)
    with ThreadPoolExecutor(ENROLLMENTS) as pool:
        answers = list(pool.map(enroll, range(ENROLLMENTS)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [409] * (ENROLLMENTS - 1), [a.text[:200] for a in answers]
    codes = {answer.json()["error"]["code"] for answer in answers if answer.status_code == 409}
    assert codes == {"face_already_enrolled"}
    after = served_by_backend(cluster)
    assert all(after[name] > before[name] for name in after)  # every replica took some
    with psycopg.connect(cluster.stack_config()["DATABASE_URL"], prepare_threshold=None) as db:
        rows = db.execute("SELECT count(*) FROM employee WHERE id LIKE 'RACE-%'").fetchone()
    assert rows == (1,)


def test_a_key_gets_its_limit_once_through_the_balancer_not_once_per_replica(
    cluster: WatchedCluster, photos
) -> None:
    """RATE_PER_MINUTE a minute in bursts of ten seconds' worth (backend/domain/ratelimit.py):
    in `seconds` one key may pass burst + rate x seconds; per-replica buckets would let
    three times that through."""
    rate, burst = RATE_PER_MINUTE / 60, RATE_PER_MINUTE / 6
    key = cluster.create_key("rate-limited-kiosk")
    image = frame(photos["obama2.jpg"])
    started = time.monotonic()
    deadline = started + 4.0

    def kiosk() -> list[httpx.Response]:
        answers = []
        with cluster.client(key) as client:
            while time.monotonic() < deadline:
                answers.append(
                    client.post(
                        "/api/v1/employees/search",
                        files={"image": ("frame.jpg", image, "image/jpeg")},
                    )
                )
        return answers

    with ThreadPoolExecutor(6) as pool:
        kiosks = [pool.submit(kiosk) for _ in range(6)]
    # Every kiosk's answers are read here, so an error in a kiosk thread fails the test.
    answers = [answer for future in kiosks for answer in future.result()]
    elapsed = time.monotonic() - started
    statuses = [answer.status_code for answer in answers]
    allowed = burst + rate * elapsed + 1
    per_replica = 3 * (burst + rate * elapsed)
    assert set(statuses) <= {200, 429}
    refused = [answer for answer in answers if answer.status_code == 429]
    assert refused, "no request was refused"
    assert all(int(answer.headers["Retry-After"]) >= 1 for answer in refused)
    assert len(statuses) > per_replica  # enough asked that per-replica buckets would show
    assert statuses.count(200) <= allowed, (statuses.count(200), allowed)
    assert statuses.count(200) >= burst  # and the burst itself did pass


def test_both_embedders_serve_a_share_of_the_work(cluster: WatchedCluster, photos) -> None:
    key = cluster.create_key("embedder-share-kiosk")
    image = frame(photos["obama3.jpg"])
    before = cluster.embedder_extracts()
    with cluster.client(key) as client:
        for _ in range(12):
            answer = client.post(
                "/api/v1/employees/search", files={"image": ("f.jpg", image, "image/jpeg")}
            )
            assert answer.status_code == 200, answer.text
            time.sleep(0.5)  # under the key's 2 a second
    served = [after - b for after, b in zip(cluster.embedder_extracts(), before, strict=True)]
    assert sum(served) >= 12
    assert min(served) >= 0.3 * sum(served), served


def served_by_backend(cluster: WatchedCluster) -> dict[str, int]:
    """Requests each backend has been sent by HAProxy (its stats' stot)."""
    servers = cluster.servers()
    return {name: int(row["stot"]) for name, row in servers.items() if name.startswith("backend")}
