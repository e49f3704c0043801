"""`facegate run` driven by another program (bench, the tests): started as an operator
would, in a folder of one's choosing on free ports, in a session of its own; its first
admin key read off its output; a client on its balancer; each child's pid and log and
PgBouncer's pools; everything it started stopped by pid, even when the caller fails."""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg

from facegate.processes import die_with_parent, free_port

START_TIMEOUT = 300.0


@dataclass
class RunningCluster:
    popen: subprocess.Popen[bytes]
    folder: Path  # var/cluster: logs, run (pid files), cluster.json
    admin_key: str
    output: Path
    topology: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The balancer (HAProxy terminating TLS)."""
        return str(self.topology["url"])

    @property
    def backend_urls(self) -> list[str]:
        return list(self.topology["backends"])

    @property
    def embedder_urls(self) -> list[str]:
        return list(self.topology["embedders"])

    def client(self, key: str = "", timeout: float = 60) -> httpx.Client:
        """An HTTP client on the balancer with `key` (default: the admin key)."""
        return httpx.Client(
            base_url=self.url,
            headers={"X-API-Key": key or self.admin_key},
            timeout=timeout,
            verify=False,  # the project's own self-signed certificate
        )

    def create_key(self, name: str, role: str = "kiosk") -> str:
        with self.client() as admin:
            answer = admin.post("/api/v1/keys", json={"name": name, "role": role})
        if answer.status_code != 201:
            raise RuntimeError(f"creating the key {name} failed: {answer.text}")
        return str(answer.json()["key"])

    def pid(self, name: str) -> int:
        """The pid of a child (backend-1, embedder-2, pgbouncer, ...) from its pid file."""
        return int(json.loads((self.folder / "run" / f"{name}.pid").read_text())["pid"])

    def log(self, name: str) -> str:
        return (self.folder / "logs" / f"{name}.log").read_text(errors="replace")

    def pgbouncer(self, command: str) -> list[dict[str, Any]]:
        """A PgBouncer admin command (SHOW POOLS, SHOW CLIENTS) as rows of dicts."""
        password = (self.folder / "pgbouncer" / "password").read_text().strip()
        port = self.topology["pgbouncer_port"]
        url = f"postgresql://facegate:{password}@127.0.0.1:{port}/pgbouncer"
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as admin:
            cursor = admin.execute(command)
            columns = [column.name for column in cursor.description or []]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def stack_config(self) -> dict[str, str]:
        """var/cluster/stack.json: the settings the backends run with (DATABASE_URL ...)."""
        found: dict[str, str] = json.loads((self.folder / "stack.json").read_text())
        return found

    def processes(self) -> list[psutil.Process]:
        """The supervisor and everything under it."""
        try:
            root = psutil.Process(self.popen.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []


def launch_cluster(
    folder: Path,
    backends: int = 3,
    embedders: int = 2,
    extra_env: dict[str, str] | None = None,
    ha: bool = False,
) -> RunningCluster:
    """Start the cluster (`ha`: `facegate run --ha`) and wait until it serves; the first
    admin key is read off its output."""
    env = {
        **os.environ,
        "FACEGATE_VAR": str(folder / "var"),
        "BACKEND_PORT": str(free_port()),
        "BACKEND_HOST": "127.0.0.1",
        "TLS_CERT": str(folder / "certs" / "facegate.crt"),
        "TLS_KEY": str(folder / "certs" / "facegate.key"),
        **(extra_env or {}),
    }
    for name in ("DATABASE_URL", "S3_ENDPOINT", "EMBEDDER_URL", "FACEGATE_S3_PORT"):
        env.pop(name, None)
    output = folder / "cluster.log"
    command = ["--backends", str(backends), "--embedders", str(embedders), *(["--ha"] * ha)]
    popen, key = launch_foreground(command, env, output, START_TIMEOUT)
    running = RunningCluster(popen, folder / "var" / ("ha" if ha else "cluster"), key, output)
    running.topology = json.loads((running.folder / "cluster.json").read_text())
    return running


def launch_foreground(
    options: list[str], env: dict[str, str], output: Path, timeout: float
) -> tuple[subprocess.Popen[bytes], str]:
    """`facegate run [options]` in a session of its own, its output to `output`, once it says
    it runs; with the first admin key it printed (or ""). A start that fails or takes longer
    than `timeout` is stopped by pid and raises with the output."""
    with open(output, "ab") as log:
        popen = subprocess.Popen(
            [sys.executable, "-m", "facegate", "run", *options],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            # A caller that dies (a test run killed by SIGKILL) takes the stack with it: the
            # supervisor gets SIGTERM and stops its children by pid, as on Ctrl-C.
            preexec_fn=die_with_parent,  # noqa: PLW1509
        )
    deadline = time.monotonic() + timeout
    while "Ctrl-C stops everything" not in output.read_text(errors="replace"):
        if popen.poll() is not None or time.monotonic() > deadline:
            stop_foreground(popen)
            raise RuntimeError(
                f"facegate run {' '.join(options)} did not start:\n" + output.read_text()
            )
        time.sleep(0.5)
    found = re.search(r"first admin API key.*\n(\S+)", output.read_text())
    return popen, found.group(1) if found else ""


def stop_foreground(popen: subprocess.Popen[bytes], signum: int = signal.SIGTERM) -> None:
    """Signal the supervisor and wait for it to stop its children; kill it if it hangs."""
    if popen.poll() is None:
        popen.send_signal(signum)
        try:
            popen.wait(90)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait()


def stop_cluster(running: RunningCluster) -> None:
    """SIGTERM to the supervisor (it stops its children by pid); whatever is still alive
    after it (a supervisor that could not finish) is killed by pid."""
    left = running.processes()
    stop_foreground(running.popen)
    for process in left:
        with contextlib.suppress(psutil.Error):
            if process.is_running():
                process.kill()


@contextlib.contextmanager
def running_cluster(
    folder: Path,
    backends: int = 3,
    embedders: int = 2,
    extra_env: dict[str, str] | None = None,
    ha: bool = False,
) -> Iterator[RunningCluster]:
    running = launch_cluster(folder, backends, embedders, extra_env, ha)
    try:
        yield running
    finally:
        stop_cluster(running)
