"""Check-ins per second through the local cluster (HAProxy, PgBouncer in transaction mode)
with 1 and 3 backends and 1 and 2 embedders, the cores each part uses, and the database
connections each replica holds.

Run: .venv/bin/python -m bench --only cluster [--quick]
For each shape a fresh `facegate run --backends N --embedders M` (tests/cluster/cluster.py)
is started; one employee is enrolled through the balancer, then each client (a kiosk with
its own key) posts a 640x480 frame of the same person back to back over HTTPS for 15 s
(8 s with --quick). Connections are sampled every half second: PgBouncer's SHOW CLIENTS
(per replica, by application_name) and SHOW POOLS (server connections to PostgreSQL).
"""

import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.common import RunOptions, kiosk_frame, percentile, photo, print_table, save
from bench.cpu import CpuMeter, wait_for_quiet
from facegate.foreground import RunningCluster, running_cluster

SHAPES = [(1, 1), (1, 2), (3, 1), (3, 2)]  # (backends, embedders)
CLIENTS = [2, 6]
# Capacity, not policy: no per-key limit and every check-in a new one (as in throughput).
# No consent records: the bench measures check-in capacity, not enrollment's paperwork.
ENV = {
    "SEARCH_RATE_PER_MINUTE": "100000000",
    "CHECKIN_REPEAT_SECONDS": "0",
    "CONSENT_REQUIRED": "false",
}


def kiosk(cluster: RunningCluster, key: str, image: bytes, deadline: float, out: list) -> None:
    """Post the frame until deadline; append (ms, error or None)."""
    with cluster.client(key) as client:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                answer = client.post(
                    "/api/v1/employees/search", files={"image": ("f.jpg", image, "image/jpeg")}
                )
                error = None if answer.status_code == 200 else f"{answer.status_code}"
            except Exception as exc:  # noqa: BLE001 - counted as an error, never fatal
                error = type(exc).__name__
            out.append(((time.perf_counter() - started) * 1000, error))


class ConnectionSampler:
    """The most client connections per replica and server connections seen meanwhile."""

    def __init__(self, cluster: RunningCluster) -> None:
        self.cluster = cluster
        self.clients: dict[str, int] = {}
        self.servers = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            counted: dict[str, int] = {}
            for row in self.cluster.pgbouncer("SHOW CLIENTS"):
                name = row["application_name"] or "other"
                counted[name] = counted.get(name, 0) + 1
            for name, count in counted.items():
                self.clients[name] = max(self.clients.get(name, 0), count)
            pools = [r for r in self.cluster.pgbouncer("SHOW POOLS") if r["database"] == "facegate"]
            servers = sum(r["sv_active"] + r["sv_idle"] + r["sv_used"] for r in pools)
            self.servers = max(self.servers, servers)

    def __enter__(self) -> "ConnectionSampler":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)


def load(cluster: RunningCluster, keys: list[str], image: bytes, seconds: float) -> dict:
    per_client: list[list[Any]] = [[] for _ in keys]
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    with ThreadPoolExecutor(len(keys)) as pool:
        for key, out in zip(keys, per_client, strict=True):
            pool.submit(kiosk, cluster, key, image, deadline, out)
    elapsed = time.monotonic() - started
    records = [record for out in per_client for record in out]
    ok = [ms for ms, error in records if error is None]
    return {
        "clients": len(keys),
        "checkins_per_s": round(len(ok) / elapsed, 2),
        "p50_ms": round(percentile(ok, 0.5), 1) if ok else None,
        "p95_ms": round(percentile(ok, 0.95), 1) if ok else None,
        "errors": len(records) - len(ok),
    }


def measure_shape(backends: int, embedders: int, seconds: float, image: bytes) -> dict:
    """A fresh cluster of this shape, measured at each client count."""
    other_load = wait_for_quiet()
    with (
        tempfile.TemporaryDirectory(prefix="facegate-bench-cluster-") as folder,
        running_cluster(Path(folder), backends, embedders, ENV) as cluster,
    ):
        levels = measure_levels(cluster, backends, embedders, seconds, image)
    return {
        "backends": backends,
        "embedders": embedders,
        "other_load_before": other_load,
        "levels": levels,
    }


def measure_levels(
    cluster: RunningCluster, backends: int, embedders: int, seconds: float, image: bytes
) -> list[dict[str, Any]]:
    with cluster.client() as admin:
        enrolled = admin.post(
            "/api/v1/employees/insert",
            data={"employee_id": "BENCH-1", "employee_name": "Bench Person"},
            files={"image": ("obama.jpg", photo("obama.jpg"), "image/jpeg")},
        )
        if enrolled.status_code != 201:
            raise RuntimeError(f"enrollment failed: {enrolled.text}")
    keys = [cluster.create_key(f"bench-kiosk-{n}") for n in range(max(CLIENTS))]
    load(cluster, keys[:4], image, 3)  # every process has served a request
    parts = ["postgres", "pgbouncer", "haproxy"]
    parts += [f"backend-{n}" for n in range(1, backends + 1)]
    parts += [f"embedder-{n}" for n in range(1, embedders + 1)]
    levels = []
    for clients in CLIENTS:
        meter = CpuMeter({name: cluster.pid(name) for name in parts})
        meter.start()
        with ConnectionSampler(cluster) as connections:
            level = load(cluster, keys[:clients], image, seconds)
        cpu = meter.stop()
        cores = cpu["cores_by_process"]
        level["cores"] = {
            "machine": cpu["machine_busy_cores"],
            "backends": round(sum(v for k, v in cores.items() if "backend" in k), 2),
            "embedders": round(sum(v for k, v in cores.items() if "embedder" in k), 2),
            **{k: cores[k] for k in ("postgres", "pgbouncer", "haproxy", "bench client")},
        }
        level["client_connections"] = dict(sorted(connections.clients.items()))
        level["server_connections"] = connections.servers
        print(
            f"  {backends} backends {embedders} embedders, {clients} clients: "
            f"{level['checkins_per_s']} check-ins/s, p95 {level['p95_ms']} ms, "
            f"errors {level['errors']}, cores {level['cores']}, "
            f"connections {level['client_connections']} -> {connections.servers} on PostgreSQL",
            flush=True,
        )
        levels.append(level)
    return levels


def run(options: RunOptions) -> dict[str, Any]:
    seconds = 8.0 if options.quick else 15.0
    image = kiosk_frame("obama2.jpg")
    shapes = [measure_shape(b, e, seconds, image) for b, e in SHAPES]
    result = {
        "image": "640x480 frame of obama2.jpg over HTTPS through HAProxy, a key per client",
        "gallery_employees": 1,
        "seconds_per_level": seconds,
        "quick": options.quick,
        "shapes": shapes,
    }
    save("cluster", result)
    rows = [
        [s["backends"], s["embedders"], lv["clients"], lv["checkins_per_s"], lv["p95_ms"]]
        + [lv["errors"], lv["cores"]["machine"], lv["server_connections"]]
        for s in shapes
        for lv in s["levels"]
    ]
    headers = ["backends", "embedders", "clients", "check-ins/s", "p95 ms", "errors"]
    print_table(headers + ["cores busy", "PG connections"], rows)
    return result


def summary_rows(result: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for shape in result["shapes"]:
        peak = max(shape["levels"], key=lambda lv: lv["checkins_per_s"])
        rows.append(
            [
                "cluster",
                f"{shape['backends']} backends, {shape['embedders']} embedders: peak check-ins/s",
                f"{peak['checkins_per_s']} ({peak['clients']} clients), "
                f"{peak['server_connections']} PG connections",
                "0 errors",
                all(lv["errors"] == 0 for lv in shape["levels"]),
            ]
        )
    return rows
