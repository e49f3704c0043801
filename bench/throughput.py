"""Throughput of POST /api/v1/employees/search with 1, 2, 4 and 8 concurrent clients.

Run: .venv/bin/python -m bench --only throughput [--quick]
One stack (gallery of 1,000 as in checkin_latency); the embedder and backend are restarted
for each embedder configuration (EMBEDDER_PROCESSES 1 and 2). Each client posts the 640x480
frame back to back for 20 s (10 s with --quick); cores used per process are measured too.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bench.common import RunOptions, kiosk_frame, percentile, photo, print_table, save
from bench.cpu import CpuMeter
from bench.stack import Services, Storage, seed_gallery, services, storage

CLIENTS = [1, 2, 4, 8]
EMBEDDER_CONFIGS = [
    {"EMBEDDER_PROCESSES": "1", "EMBEDDER_WORKERS": "2"},  # the defaults
    {"EMBEDDER_PROCESSES": "2", "EMBEDDER_WORKERS": "1"},
    {"EMBEDDER_PROCESSES": "2", "EMBEDDER_WORKERS": "2"},
]
GALLERY = 1000


def client_loop(running: Services, image: bytes, deadline: float, out: list[Any]) -> None:
    """Post the frame back to back until deadline; append (ms, error or None, matched)."""
    with running.client() as client:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                answer = client.post("/api/v1/employees/search",
                                     files={"image": ("f.jpg", image, "image/jpeg")})
                error = None if answer.status_code == 200 else f"{answer.status_code} {answer.text[:120]}"
                matched = answer.status_code == 200 and answer.json().get("matched", False)
            except httpx.HTTPError as exc:
                error, matched = f"{type(exc).__name__}: {exc}", False
            out.append(((time.perf_counter() - started) * 1000, error, matched))


def load(running: Services, image: bytes, clients: int, seconds: float) -> dict[str, Any]:
    """`clients` concurrent clients for `seconds`: requests/s, latency, errors."""
    records: list[Any] = []
    deadline = time.monotonic() + seconds
    per_client: list[list[Any]] = [[] for _ in range(clients)]
    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for out in per_client:
            pool.submit(client_loop, running, image, deadline, out)
    elapsed = time.monotonic() - started
    for out in per_client:
        records += out
    ok = [ms for ms, error, _ in records if error is None]
    errors = [error for _, error, _ in records if error is not None]
    return {
        "clients": clients,
        "requests": len(records),
        "requests_per_s": round(len(ok) / elapsed, 2),
        "p50_ms": round(percentile(ok, 0.5), 1) if ok else None,
        "p95_ms": round(percentile(ok, 0.95), 1) if ok else None,
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:3],
        "unmatched": sum(1 for _, error, matched in records if error is None and not matched),
    }


def measure_config(store: Storage, env: dict[str, str], image: bytes, seconds: float,
                   seed: bool) -> dict[str, Any]:
    """Start embedder+backend with env, warm every worker, then each client count."""
    with services(store, env) as running:
        if seed:
            seed_gallery(store, running, photo("obama.jpg"), GALLERY)
        load(running, image, 4, 3)  # every embedder process and worker has run a request
        roots = {"embedder": running.embedder.pid, "backend": running.backend.pid,
                 "postgres": store.postgres_pid}
        levels = []
        for clients in CLIENTS:
            meter = CpuMeter(roots)
            meter.start()
            level = load(running, image, clients, seconds)
            level["cpu"] = meter.stop()
            print(f"  {env}: {clients} clients {level['requests_per_s']} req/s, "
                  f"p95 {level['p95_ms']} ms, errors {level['errors']}, "
                  f"cores {level['cpu']['machine_busy_cores']}", flush=True)
            levels.append(level)
    return {"embedder_env": env, "levels": levels}


def run(options: RunOptions) -> dict[str, Any]:
    seconds = 10.0 if options.quick else 20.0
    image = kiosk_frame("obama2.jpg")
    configs = EMBEDDER_CONFIGS[:2] if options.quick else EMBEDDER_CONFIGS
    with storage() as store:
        measured = [measure_config(store, env, image, seconds, seed=(n == 0))
                    for n, env in enumerate(configs)]
    result = {"image": "640x480 frame of obama2.jpg", "gallery_employees": GALLERY,
              "seconds_per_level": seconds, "configs": measured}
    save("throughput", result)
    rows = [[c["embedder_env"]["EMBEDDER_PROCESSES"], c["embedder_env"]["EMBEDDER_WORKERS"],
             lv["clients"], lv["requests_per_s"], lv["p50_ms"], lv["p95_ms"], lv["errors"],
             lv["cpu"]["machine_busy_cores"], lv["cpu"]["cores_by_process"]["embedder"],
             lv["cpu"]["cores_by_process"]["backend"]]
            for c in measured for lv in c["levels"]]
    print_table(["processes", "workers", "clients", "req/s", "p50 ms", "p95 ms", "errors",
                 "cores busy", "embedder", "backend"], rows)
    return result


def summary_rows(result: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for config in result["configs"]:
        env = config["embedder_env"]
        name = f"processes {env['EMBEDDER_PROCESSES']} workers {env['EMBEDDER_WORKERS']}"
        by_clients = {lv["clients"]: lv for lv in config["levels"]}
        peak = max(config["levels"], key=lambda lv: lv["requests_per_s"])
        top = by_clients[max(by_clients)]
        rows.append(["throughput", f"{name}: req/s at 1 / peak",
                     f"{by_clients[min(by_clients)]['requests_per_s']} / "
                     f"{peak['requests_per_s']} ({peak['clients']} clients)", "", ""])
        rows.append(["throughput", f"{name}: {top['clients']} clients p95 / errors / cores",
                     f"{top['p95_ms']} ms / {top['errors']} / {top['cpu']['machine_busy_cores']}",
                     "0 errors, cores busy", top["errors"] == 0
                     and top["cpu"]["machine_busy_cores"] >= 0.9 * (os.cpu_count() or 1)])
    return rows
