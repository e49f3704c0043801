"""Throughput of POST /api/v1/employees/search with 1, 2, 4 and 8 concurrent clients.

Run: .venv/bin/python -m bench --only throughput [--quick]
One stack (gallery of 1,000 as in checkin_latency); the embedder and backend are restarted
for each embedder configuration (EMBEDDER_PROCESSES 1 and 2, EMBEDDER_WORKERS 1 and 2; two
processes run as `make run` starts them, two instances on their own ports). Each
client is a kiosk with its own key (the search rate limit is per key) and posts the 640x480
frame back to back for 20 s (10 s with --quick); cores used per process are measured too.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from bench.common import RunOptions, kiosk_frame, percentile, photo, print_table, save
from bench.cpu import CpuMeter, wait_for_quiet
from bench.stack import Services, Storage, seed_gallery, services, storage

CLIENTS = [1, 2, 4, 8]


@dataclass(frozen=True)
class EmbedderConfig:
    """How the embedder runs: processes (each an instance on its own port, as `make run`
    starts them: facegate.children.embedder_instances) and inference threads per process."""

    processes: int
    workers: int
    threads: int | None = None  # OpenCV's threads per process; None: the default (cores)
    model: str = "SFace"

    def env(self) -> dict[str, str]:
        env = {
            "EMBEDDER_PROCESSES": str(self.processes),
            "EMBEDDER_WORKERS": str(self.workers),
            "EMBEDDER_MODEL": self.model,
        }
        if self.threads is not None:
            env["EMBEDDER_THREADS"] = str(self.threads)
        return env

    @property
    def label(self) -> str:
        threads = "" if self.threads is None else f" threads {self.threads}"
        model = "" if self.model == "SFace" else f"{self.model}, "
        return f"{model}processes {self.processes} workers {self.workers}{threads}"


EMBEDDER_CONFIGS = [
    EmbedderConfig(2, 1),  # Dlib's default on 2 cores: a process per core
    EmbedderConfig(2, 1, threads=1),  # OpenCV on one core per process
    EmbedderConfig(1, 2),  # SFace's default: threads only
    EmbedderConfig(2, 2),
    EmbedderConfig(1, 2, model="SFace-int8"),  # `make run`'s shape on the int8 model
]
GALLERY = 1000


def client_loop(running: Services, key: str, image: bytes, deadline: float, out: list[Any]) -> None:
    """Post the frame back to back until deadline; append (ms, error or None, matched)."""
    with running.client(key) as client:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                answer = client.post(
                    "/api/v1/employees/search", files={"image": ("f.jpg", image, "image/jpeg")}
                )
                error = (
                    None
                    if answer.status_code == 200
                    else f"{answer.status_code} {answer.text[:120]}"
                )
                matched = answer.status_code == 200 and answer.json().get("matched", False)
            except (httpx.HTTPError, ValueError) as exc:
                error, matched = f"{type(exc).__name__}: {exc}", False
            out.append(((time.perf_counter() - started) * 1000, error, matched))


def load(running: Services, keys: list[str], seconds: float, image: bytes) -> dict[str, Any]:
    """One client per kiosk key, all at once for `seconds`: requests/s, latency, errors."""
    clients = len(keys)
    records: list[Any] = []
    deadline = time.monotonic() + seconds
    per_client: list[list[Any]] = [[] for _ in range(clients)]
    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for key, out in zip(keys, per_client):
            pool.submit(client_loop, running, key, image, deadline, out)
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


def measure_config(
    store: Storage, config: EmbedderConfig, image: bytes, seconds: float, seed: bool
) -> dict[str, Any]:
    """Start embedder+backend as config says, warm every worker, then each client count."""
    other_load = wait_for_quiet()
    with services(store, config.env()) as running:
        # The embedder is ready when its first process is; the others load, warm up and
        # time their threads one after another, and a level measured meanwhile would
        # measure their start too.
        wait_for_quiet(busy_with="the stack starting")
        if seed:
            seed_gallery(store, running, photo("obama.jpg"), GALLERY)
        keys = store.kiosk_keys(max(CLIENTS))
        load(running, keys[:4], 3, image)  # every embedder process and worker has run a request
        roots: dict[str, int | list[int]] = {
            "embedder": running.embedder_pids,
            "backend": running.backend.pid,
            "postgres": store.postgres_pid,
        }
        levels = []
        for clients in CLIENTS:
            meter = CpuMeter(roots)
            meter.start()
            # What each embedder process's timing had chosen when the level began.
            lone_threads = running.lone_request_threads()
            level = load(running, keys[:clients], seconds, image)
            level["cpu"] = meter.stop()
            level["lone_request_threads_by_process"] = lone_threads
            print(
                f"  {config.label}: {clients} clients {level['requests_per_s']} req/s, "
                f"p95 {level['p95_ms']} ms, errors {level['errors']}, "
                f"cores {level['cpu']['machine_busy_cores']}, "
                f"a lone request's threads {sorted(lone_threads.values())}",
                flush=True,
            )
            levels.append(level)
    return {
        "label": config.label,
        "embedder": {**asdict(config), "env": config.env()},
        "other_load_before": other_load,
        "levels": levels,
    }


def run(options: RunOptions) -> dict[str, Any]:
    seconds = 10.0 if options.quick else 20.0
    image = kiosk_frame("obama2.jpg")
    configs = EMBEDDER_CONFIGS[:3] if options.quick else EMBEDDER_CONFIGS
    measured = []
    # a gallery is bound to one model: each model's configurations get a store of their own
    for model in dict.fromkeys(config.model for config in configs):
        with storage() as store:
            measured += [
                measure_config(store, config, image, seconds, seed=(n == 0))
                for n, config in enumerate(c for c in configs if c.model == model)
            ]
    result = {
        "image": "640x480 frame of obama2.jpg, one kiosk key per client",
        "gallery_employees": GALLERY,
        "seconds_per_level": seconds,
        "configs": measured,
    }
    save("throughput", result)
    rows = [
        [c["label"], lv["clients"], lv["requests_per_s"], lv["p50_ms"], lv["p95_ms"]]
        + [lv["errors"], lv["cpu"]["machine_busy_cores"]]
        + [lv["cpu"]["cores_by_process"][p] for p in ("embedder", "backend", "postgres")]
        for c in measured
        for lv in c["levels"]
    ]
    headers = ["embedder", "clients", "req/s", "p50 ms", "p95 ms", "errors", "cores busy"]
    print_table(headers + ["embedder", "backend", "postgres"], rows)
    return result


def summary_rows(result: dict[str, Any]) -> list[list[Any]]:
    rows = []
    cores = os.cpu_count() or 1
    for config in result["configs"]:
        levels = {lv["clients"]: lv for lv in config["levels"]}
        one, top = levels[min(levels)], levels[max(levels)]
        peak = max(levels.values(), key=lambda lv: lv["requests_per_s"])
        busy = top["cpu"]["machine_busy_cores"]
        rows.append(
            [
                "throughput",
                f"{config['label']}: req/s 1 client / peak; {top['clients']} clients p95, errors",
                f"{one['requests_per_s']} / {peak['requests_per_s']} ({peak['clients']}); "
                f"{top['p95_ms']} ms, {top['errors']}",
                f"0 errors, {cores} cores busy",
                top["errors"] == 0 and busy >= 0.9 * cores,
            ]
        )
    return rows
