"""A real facegate stack in a temporary folder, started and stopped (by PID) by a benchmark."""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from embedder.service import lone_threads_logged
from facegate.children import (
    Postgres,
    S3Credentials,
    embedder_instances,
    one_machine_embedder,
    start_backend,
    start_embedder,
    start_postgres,
    start_s3,
)
from facegate.processes import Process, free_port, free_weed_port


@dataclass
class Storage:
    """PostgreSQL+pgvector and the S3 server, with an admin key in the database."""

    folder: Path
    postgres: Postgres
    s3: Process
    env: dict[str, str]
    admin_key: str = ""
    kiosks: list[str] = field(default_factory=list)

    def kiosk_keys(self, count: int) -> list[str]:
        """`count` kiosk keys, one per simulated kiosk (the search rate limit is per key)."""
        while len(self.kiosks) < count:
            self.kiosks.append(create_key(self.env, "kiosk", f"kiosk-{len(self.kiosks) + 1}"))
        return self.kiosks[:count]

    @property
    def postgres_pid(self) -> int:
        return int(self.postgres.server.get_pid())  # type: ignore[attr-defined]


@dataclass
class Services:
    """The embedder and the backend on top of a Storage."""

    url: str
    embedder_url: str  # the backend's EMBEDDER_URL: one instance's, or several, comma-separated
    admin_key: str
    embedders: list[Process]  # the instances, as `make run` starts them (embedder_instances)
    backend: Process
    embedder_env: dict[str, str] = field(default_factory=dict)

    @property
    def embedder_urls(self) -> list[str]:
        return self.embedder_url.split(",")

    @property
    def embedder_pids(self) -> list[int]:
        return [process.pid for process in self.embedders]

    def lone_request_threads(self) -> dict[int, int]:
        """Process id -> the threads the embedder's latest timing gives a lone request there
        (its log): processes may choose differently, and a choice made while the stack was
        starting stays while requests keep it busy. A lone frame takes 2-3 ms longer on one
        thread than on two, so every latency figure needs it beside it."""
        chosen: dict[int, int] = {}
        for process in self.embedders:
            log = process.log_path
            if log is not None and log.exists():
                chosen.update(lone_threads_logged(log.read_text(errors="replace")))
        return chosen

    def client(self, key: str = "", timeout: float = 60) -> httpx.Client:
        """An HTTP client on the backend with `key` (default: the admin key)."""
        return httpx.Client(
            base_url=self.url, headers={"X-API-Key": key or self.admin_key}, timeout=timeout
        )


@contextlib.contextmanager
def storage() -> Iterator[Storage]:
    """Fresh PostgreSQL and S3 in a temporary folder, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="facegate-bench-"))
    postgres = s3 = None
    try:
        postgres = start_postgres(folder / "postgres")
        database = "bench_" + uuid.uuid4().hex[:8]
        postgres.server.psql(f"CREATE DATABASE {database};")  # type: ignore[attr-defined]
        port = free_weed_port()
        credentials = S3Credentials("facegate-bench", "bench-" + os.urandom(12).hex())
        s3 = start_s3(folder / "s3", port, credentials, folder / "s3.log")
        env = {
            "DATABASE_URL": postgres.url.replace("/facegate?", f"/{database}?"),
            "S3_ENDPOINT": f"http://127.0.0.1:{port}",
            "S3_ACCESS_KEY": credentials.access_key,
            "S3_SECRET_KEY": credentials.secret_key,
            "S3_BUCKET": "bench-" + uuid.uuid4().hex[:8],
            "TLS_CERT": str(folder / "none.crt"),  # plain HTTP on loopback
            # The bench measures capacity: no per-key rate limit (600 a minute, which one
            # client alone passes with SFace), and every check-in a new one, as when a
            # queue of different people walks past (the same face again would be folded).
            "SEARCH_RATE_PER_MINUTE": "100000000",
            "CHECKIN_REPEAT_SECONDS": "0",
            "CONSENT_REQUIRED": "false",  # synthetic and LFW people: no consent records
        }
        made = Storage(folder, postgres, s3, env)
        made.admin_key = create_key(env, "admin", "bench")
        yield made
    finally:
        if s3 is not None:
            s3.stop()
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)


def create_key(env: dict[str, str], role: str, name: str) -> str:
    """`python -m facegate keys create`, as an operator would run it."""
    created = subprocess.run(
        [sys.executable, "-m", "facegate", "keys", "create", "--role", role, "--name", name],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )
    if created.returncode != 0:
        raise RuntimeError(f"facegate keys create failed:\n{created.stderr}")
    return created.stdout.strip()


@contextlib.contextmanager
def services(store: Storage, embedder_env: dict[str, str] | None = None) -> Iterator[Services]:
    """The embedder's instances (as `make run` starts them, but for embedder_env) and the
    backend; all stopped by PID on exit."""
    given = embedder_env or {}
    embedder_env = {**one_machine_embedder(given.get("EMBEDDER_MODEL")), **given}
    started: list[Process] = []
    embedders: list[Process] = []
    tag = uuid.uuid4().hex[:6]
    try:
        urls = []
        for n, instance_env in enumerate(embedder_instances(embedder_env), 1):
            embedder_port = free_port()
            log = store.folder / f"emb-{tag}-{n}.log"
            embedders.append(start_embedder(embedder_port, instance_env, log))
            started.append(embedders[-1])
            urls.append(f"http://127.0.0.1:{embedder_port}")
        embedder_url = ",".join(urls)
        port = free_port()
        env = {**store.env, "EMBEDDER_URL": embedder_url}
        backend = start_backend(port, env, store.folder / f"backend-{tag}.log")
        started.append(backend)
        yield Services(
            f"http://127.0.0.1:{port}",
            embedder_url,
            store.admin_key,
            embedders,
            backend,
            embedder_env,
        )
    finally:
        for process in reversed(started):
            process.stop()


@contextlib.contextmanager
def running_stack(embedder_env: dict[str, str] | None = None) -> Iterator[tuple[Storage, Services]]:
    """Storage and services together, for a benchmark that needs one configuration."""
    with storage() as store, services(store, embedder_env) as running:
        yield store, running


def enroll(client: httpx.Client, employee_id: str, name: str, image: bytes) -> dict[str, str]:
    """POST /api/v1/employees/insert; raises on anything but 201."""
    answer = client.post(
        "/api/v1/employees/insert",
        data={"employee_id": employee_id, "employee_name": name},
        files={"image": ("photo.jpg", image, "image/jpeg")},
    )
    if answer.status_code != 201:
        raise RuntimeError(f"enrollment of {employee_id} failed: {answer.text}")
    body: dict[str, str] = answer.json()
    return body


def seed_gallery(store: Storage, running: Services, photo_jpeg: bytes, size: int) -> int:
    """One employee enrolled from a photo through the API (BENCH-1), then size-1 synthetic
    employees with random unit vectors written in SQL; returns the employee count."""
    import numpy as np

    from bench.synthetic import VECTORS, connect, copy_gallery, unit_vectors

    with running.client() as client:
        enroll(client, "BENCH-1", "Bench Person", photo_jpeg)
    with connect(store.env["DATABASE_URL"]) as conn:
        row = conn.execute("SELECT model, detector, dim FROM gallery").fetchone()
        if row is None or row[0] is None:
            raise RuntimeError("the backend has not bound the gallery to a model")
        model, detector, dim = row
        vectors = unit_vectors(size - 1, dim, np.random.default_rng(size))
        copy_gallery(conn, vectors, first=1, model=model, detector=detector)
        conn.execute("ANALYZE face")
        conn.execute(f"ANALYZE {VECTORS}")
        counted = conn.execute("SELECT count(*) FROM employee").fetchone()
    return int(counted[0]) if counted else 0
