"""`facegate run` started as an operator would, in a temporary folder on free ports."""

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from facegate.foreground import launch_foreground
from facegate.processes import free_port, free_weed_port


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
        "CONSENT_REQUIRED": "false",  # healing, not consent, is tested here
        **(extra_env or {}),
    }
    for name in ("DATABASE_URL", "S3_ENDPOINT", "EMBEDDER_URL"):
        env.pop(name, None)
    popen, key = launch_foreground([], env, folder / "run.log", timeout=240)
    return RunningStack(
        popen, folder / "var", f"https://127.0.0.1:{backend_port}", key, folder / "run.log"
    )
