"""`facegate run` started as an operator would, in a temporary folder on free ports."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from facegate.processes import free_port, free_weed_port

CHILDREN = ("postgres", "s3", "embedder", "backend")


@dataclass
class RunningStack:
    popen: subprocess.Popen[bytes]
    var: Path
    url: str
    admin_key: str
    output: Path

    def child_pid(self, name: str) -> int:
        return int(json.loads((self.var / "run" / f"{name}.pid").read_text())["pid"])

    def config(self) -> dict[str, str]:
        found: dict[str, str] = json.loads((self.var / "stack.json").read_text())
        return found

    def processes(self) -> list[psutil.Process]:
        """The supervisor and everything under it."""
        root = psutil.Process(self.popen.pid)
        return [root, *root.children(recursive=True)]

    def log(self) -> str:
        return self.output.read_text(errors="replace")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=False, timeout=30)

    def ready(self) -> bool:
        try:
            return httpx.get(self.url + "/readyz", verify=False, timeout=3).status_code == 200
        except httpx.HTTPError:
            return False


def start_stack(folder: Path, extra_env: dict[str, str] | None = None) -> RunningStack:
    """Start the stack and wait until it serves; the first admin key is read off its output."""
    backend_port = free_port()
    env = {
        **os.environ,
        "FACEGATE_VAR": str(folder / "var"),
        "FACEGATE_S3_PORT": str(free_weed_port()),
        "EMBEDDER_PORT": str(free_port()),
        "BACKEND_PORT": str(backend_port),
        "TLS_CERT": str(folder / "certs" / "facegate.crt"),
        "TLS_KEY": str(folder / "certs" / "facegate.key"),
        "BACKEND_HOST": "127.0.0.1",
        **(extra_env or {}),
    }
    for name in ("DATABASE_URL", "S3_ENDPOINT", "EMBEDDER_URL"):
        env.pop(name, None)
    output = folder / "run.log"
    with open(output, "ab") as log:
        popen = subprocess.Popen(
            [sys.executable, "-m", "facegate", "run"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + 240
    while "Ctrl-C stops everything" not in output.read_text(errors="replace"):
        if popen.poll() is not None or time.monotonic() > deadline:
            stop(popen)
            raise RuntimeError("facegate run did not start:\n" + output.read_text())
        time.sleep(0.5)
    found = re.search(r"first admin API key.*\n(\S+)", output.read_text())
    key = found.group(1) if found else ""
    return RunningStack(popen, folder / "var", f"https://127.0.0.1:{backend_port}", key, output)


def stop(popen: subprocess.Popen[bytes], signum: int = signal.SIGTERM) -> None:
    if popen.poll() is None:
        popen.send_signal(signum)
        try:
            popen.wait(60)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait()
