"""Processes and ports: spawning a child in its own process group that dies with its
parent, stopping it by pid, free ports, and waiting for a port or a URL to answer."""

import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
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


def debian_binary(name: str) -> str:
    """A program from Debian's package of that name (make install puts it in /usr/sbin or on
    PATH), or a RuntimeError saying how to get it."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin")
    if found is None:
        raise RuntimeError(f"{name} is missing: make install (Debian's {name} package)")
    return found


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


# free_port's ports: from here up to the kernel's range for outgoing connections.
LOWEST_FREE_PORT = 10000
# Ports this process handed out: not handed out again (their owner may not listen yet).
_handed_out: set[int] = set()


def outgoing_ports_start() -> int:
    """The first port the kernel gives outgoing connections their local end from."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port() -> int:
    """A free port below the kernel's range for outgoing connections. A port the kernel
    picks (bind to 0) comes from that range, where any outgoing connection may take it
    between our choice and the child's bind: etcd's peers once took the one chosen for
    HAProxy, and the stack did not start."""
    top = outgoing_ports_start()
    for _ in range(500 if top > LOWEST_FREE_PORT + 1000 else 0):
        port = LOWEST_FREE_PORT + secrets.randbelow(top - LOWEST_FREE_PORT)
        if port not in _handed_out and port_is_free(port):
            _handed_out.add(port)
            return port
    with socket.socket() as probe:  # an unusual range: the kernel's choice after all
        probe.bind(("127.0.0.1", 0))
        chosen: int = probe.getsockname()[1]
        return chosen


# weed's gRPC port for each of its ports: this far above it.
WEED_GRPC_OFFSET = 10000


def weed_ports(base: int) -> list[int]:
    """Every port `weed mini` takes for an S3 port (and the gRPC twin of each)."""
    ports = [base, *(base + o for o in WEED_PORT_OFFSETS.values())]
    return ports + [p + WEED_GRPC_OFFSET for p in ports]


def free_weed_port() -> int:
    """An S3 port whose whole block of weed ports (and their gRPC twins) is free, and
    below the kernel's range for outgoing connections, as free_port's are."""
    span = WEED_GRPC_OFFSET + max(WEED_PORT_OFFSETS.values()) + 1
    room = outgoing_ports_start() - span - LOWEST_FREE_PORT
    lowest, choices = (LOWEST_FREE_PORT, room) if room > 1000 else (20000, 20000)
    for _ in range(200):
        base = lowest + secrets.randbelow(choices)
        block = weed_ports(base)
        if not _handed_out.intersection(block) and all(port_is_free(p) for p in block):
            _handed_out.update(block)
            return base
    raise RuntimeError("no free block of ports for the S3 server")


PR_SET_PDEATHSIG = 1


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """Ask Linux to send this process `signum` when its parent dies (PR_SET_PDEATHSIG)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: process groups still stop the stack
        return
    if os.getppid() == 1:  # the parent died before we asked
        os.kill(os.getpid(), signum)


@dataclass
class Process:
    """A child process we started, in its own process group (so its own children, such
    as uvicorn's workers, go with it); stopped by its process id and group."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path | None = None
    pid_file: Path | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, grace: float = 10.0, signum: int = signal.SIGTERM) -> None:
        if self.alive():
            self._signal_group(signum)
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.popen.wait()
        # What is left of the group (workers of a child that was killed) goes too.
        self._signal_group(signal.SIGKILL)
        if self.pid_file is not None:
            self.pid_file.unlink(missing_ok=True)

    def _signal_group(self, signum: int) -> None:
        # the child leads its own group (start_new_session), so its pid names the group
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signum)

    def log_tail(self, lines: int = 20) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def spawn(
    name: str,
    command: list[str],
    env: dict[str, str],
    log_path: Path,
    *,
    pid_file: Path | None = None,
    death_signal: int = signal.SIGTERM,
    user: str | None = None,
) -> Process:
    """Start a child in its own process group that dies with this process."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log: IO[bytes] = open(log_path, "ab")  # noqa: SIM115 - the child keeps it
    popen = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        user=user,
        # Runs after the user switch, which would clear the parent-death signal.
        preexec_fn=lambda: die_with_parent(death_signal),  # noqa: PLW1509
    )
    log.close()
    if pid_file is not None:
        pid_file.parent.mkdir(parents=True, exist_ok=True)
        pid_file.write_text(json.dumps({"pid": popen.pid, "name": name, "command": command}))
    return Process(name, popen, log_path, pid_file)


def wait_until_ready(process: Process, url: str, timeout: float) -> None:
    """Poll url until it answers 200; fail early when the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited:\n{process.log_tail()}")
        if http_ok(url):
            return
        time.sleep(0.2)
    process.stop()
    raise RuntimeError(f"{process.name} was not ready after {timeout:.0f} s:\n{process.log_tail()}")


def port_answers(port: int) -> bool:
    """Something accepts connections on 127.0.0.1:port."""
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def http_ok(url: str) -> bool:
    """url answers 200 (our own self-signed certificate is not checked: readiness only)."""
    context = ssl._create_unverified_context() if url.startswith("https") else None
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as answer:  # noqa: S310
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_for_port(process: Process, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited:\n{process.log_tail()}")
        if port_answers(port):
            return
        time.sleep(0.2)
    process.stop()
    raise RuntimeError(f"{process.name} did not listen on {port}:\n{process.log_tail()}")
