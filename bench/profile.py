"""Where a check-in's CPU goes: py-spy samples of the backend and the embedder under load.

Run: .venv/bin/python -m bench --only profile [--quick]
One stack (gallery of 1,000, as in checkin_latency), 8 kiosks posting the 640x480 frame back
to back. Three windows of the same load: in the first py-spy draws a flame graph of each
service (bench/results/flame-backend.svg, flame-embedder.svg); in the second it records the
raw stacks, whose samples are sorted into stages by the innermost frame that names one
(STAGES); in the third psutil measures each process's CPU without py-spy. A service's CPU
per check-in is split over its stages in the proportions of its samples: py-spy counts a
thread as busy while it waits inside native code (OpenCV's workers), so its samples give
the split, psutil the amount. The stack is plain HTTP on loopback, as every benchmark here:
TLS is not in these figures.
"""

import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import RESULTS, RunOptions, kiosk_frame, photo, print_table, save
from bench.cpu import CpuMeter
from bench.stack import running_stack, seed_gallery
from bench.throughput import load
from facegate_shared.paths import REPO_ROOT

GALLERY = 1000
CLIENTS = 8
RATE = 200  # samples a second per thread
# What a sample was doing, by the application frame in its stack: (stage, pattern on a frame
# "function (file:line)"), tried from the innermost frame out.
STAGES = [
    ("decode", r"imaging\.py|decode_image"),
    ("detect", r"detection\.py"),
    ("align", r"align|warpAffine"),
    ("embed", r"recognition\.py"),
    ("quality", r"quality\.py"),
    ("crop JPEG (evidence)", r"_extras|crop_jpeg|imencode"),
    ("rate limit", r"ratelimit"),
    ("search", r"nearest"),
    ("the row, repeat window, outbox", r"pg_writes|pg_unit_of_work|pg_outbox|record_checkin"),
    ("snapshot upload", r"s3_store|sealed_store|sealing|evidence\.py|pg_held_snapshots"),
    ("call to the embedder", r"http_embedder|embedder_pool"),
    ("multipart", r"multipart|uploads\.py|formparsers"),
]
# Samples with no such frame: the machinery around them, by library.
MACHINERY = [
    ("database driver (other queries)", r"sqlalchemy|psycopg"),
    ("JSON", r"json|orjson|pydantic"),
    ("logging and metrics", r"logging|observability|prometheus"),
    ("HTTP server", r"uvicorn|h11|httptools|starlette|fastapi|anyio|asyncio"),
]


def run(options: RunOptions) -> dict[str, Any]:
    # beside this Python (the virtualenv's bin, not always on PATH), else on PATH
    beside = Path(sys.executable).parent / "py-spy"
    spy = str(beside) if beside.exists() else shutil.which("py-spy")
    if spy is None:
        raise RuntimeError("py-spy is not installed: make install (the dev extra) brings it")
    seconds = 10 if options.quick else 20
    image = kiosk_frame("obama2.jpg")
    with running_stack() as (store, running):
        seed_gallery(store, running, photo("obama.jpg"), GALLERY)
        keys = store.kiosk_keys(CLIENTS)
        load(running, keys, 3, image)  # every process has served a request
        [embedder] = running.embedders  # make run's SFace: one instance, py-spy follows it
        services = {"backend": running.backend.pid, "embedder": embedder.pid}
        with _recording(spy, services, seconds, "flamegraph", RESULTS / "flame-{}.svg") as drawn_to:
            drawn = load(running, keys, seconds, image)
        for svg in drawn_to.values():  # py-spy's title names this checkout's folder
            svg.write_text(svg.read_text().replace(f"{REPO_ROOT}/", ""))
        with tempfile.TemporaryDirectory() as folder:
            raw = Path(folder) / "{}.txt"
            with _recording(spy, services, seconds, "raw", raw) as files:
                sampled = load(running, keys, seconds, image)
            checkins = sampled["requests"] - sampled["errors"]
            sampled_ms = {name: _budget(path, checkins) for name, path in files.items()}
        # The CPU itself, without py-spy (its sampling costs CPU too), the S3 server included.
        meter = CpuMeter({**services, "postgres": store.postgres_pid, "s3": store.s3.pid})
        meter.start()
        measured = load(running, keys, seconds, image)
        cpu = meter.stop()
    done = max(measured["requests"] - measured["errors"], 1)
    per_checkin = {
        name: round(cores * cpu["wall_s"] * 1000 / done, 1)
        for name, cores in {**cpu["cores_by_process"], "machine": cpu["machine_busy_cores"]}.items()
    }
    budget = {name: _scaled(stages, per_checkin[name]) for name, stages in sampled_ms.items()}
    result = {
        "clients": CLIENTS,
        "gallery": GALLERY,
        "seconds": seconds,
        "load_while_drawing": drawn,
        "load_while_sampling": sampled,
        "load_while_measuring": measured,
        "cpu": cpu,
        "cpu_ms_per_checkin": per_checkin,
        "budget_ms_per_checkin": budget,
        "sampled_ms_per_checkin": sampled_ms,
    }
    save("profile", result)
    rows = [
        [service, stage, ms] for service, stages in budget.items() for stage, ms in stages.items()
    ]
    print_table(["service", "stage", "CPU ms per check-in"], rows)
    return result


class _recording:
    """py-spy record on each service (and its worker processes) for `seconds`."""

    def __init__(
        self, spy: str, services: dict[str, int], seconds: int, form: str, output: Path
    ) -> None:
        self._commands = {
            name: [
                spy, "record", "--pid", str(pid), "--subprocesses", "--rate", str(RATE),
                "--duration", str(seconds), "--format", form, "--nonblocking",
                "--output", str(output).format(name),
            ]
            for name, pid in services.items()
        }  # fmt: skip
        self._running: list[subprocess.Popen[bytes]] = []
        self._said: list[str] = []

    def __enter__(self) -> dict[str, Path]:
        for command in self._commands.values():
            self._running.append(
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            )
        return self._outputs()

    def _outputs(self) -> dict[str, Path]:
        return {name: Path(command[-1]) for name, command in self._commands.items()}

    def __exit__(self, *exc: object) -> None:
        for recorder in self._running:
            _, said = recorder.communicate(timeout=120)
            self._said.append(f"exit {recorder.returncode}: {said.decode(errors='replace')[-300:]}")
        # py-spy may exit non-zero when a worker process it followed ends first; what counts
        # is that each output was written
        missing = [
            str(p) for p in self._outputs().values() if not p.is_file() or not p.stat().st_size
        ]
        if missing:
            raise RuntimeError(f"py-spy wrote no {missing}: {self._said}")


def _budget(raw: Path, checkins: int) -> dict[str, float]:
    """CPU ms per check-in by stage, from py-spy's raw output ("frame;frame;... count")."""
    samples: Counter[str] = Counter()
    # a frame name py-spy read from a process mid-change may hold bytes that are not UTF-8;
    # its sample still counts, under its stage
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples[_stage(stack.split(";"))] += int(count)
    per_sample_ms = 1000 / RATE
    return {
        stage: round(n * per_sample_ms / max(checkins, 1), 2) for stage, n in samples.most_common()
    }


def _scaled(stages: dict[str, float], measured_ms: float) -> dict[str, float]:
    """The stages' shares of their samples, applied to the CPU psutil measured."""
    total = sum(stages.values()) or 1.0
    return {stage: round(ms * measured_ms / total, 2) for stage, ms in stages.items()}


def _stage(frames: list[str]) -> str:
    for table in (STAGES, MACHINERY):
        for frame in reversed(frames):
            for stage, pattern in table:
                if re.search(pattern, frame):
                    return stage
    return "other"


def summary_rows(result: dict[str, Any]) -> list[list[Any]]:
    cpu = result["cpu_ms_per_checkin"]
    load = result["load_while_measuring"]
    return [
        ["profile", "CPU per check-in, whole machine", f"{cpu['machine']} ms", "<= 38 ms",
         cpu["machine"] <= 38],
        ["profile", "check-ins a second, 8 kiosks", load["requests_per_s"], ">= 50",
         load["requests_per_s"] >= 50],
    ]  # fmt: skip
