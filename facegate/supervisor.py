"""`make run` as a supervisor: each child that dies is restarted with a backoff and one
log line saying what died and why, while the others keep serving."""

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from facegate.processes import Process, port_is_free

FIRST_BACKOFF = 0.5
MAX_BACKOFF = 5.0
STEADY_AFTER = 30.0  # a child that ran this long starts again from the first backoff


def say(message: str) -> None:
    print(f"facegate: {message}", file=sys.stderr, flush=True)


@dataclass
class Child:
    """One part of the stack: how to start it, how to tell it is ready."""

    name: str
    spawn: Callable[[], Process]
    ready: Callable[[], bool]
    start_timeout: float
    ports: list[int] = field(default_factory=list)
    # While this file exists a child that died stays down (the HA fault suite stops a node).
    hold_file: Path | None = None
    process: Process | None = None
    started_at: float = 0.0
    ready_at: float | None = None
    died_at: float | None = None
    restart_at: float | None = None
    backoff: float = FIRST_BACKOFF
    restarts: int = 0

    def start(self) -> None:
        self.process = self.spawn()
        self.started_at = time.monotonic()
        self.ready_at = None


class Supervisor:
    """Starts children in order, then keeps them running until stopped."""

    def __init__(self, children: list[Child]) -> None:
        self.children = children
        self.stopping = threading.Event()

    def start(self, child: Child) -> None:
        """Start a child, wait until it is ready and watch it from then on; RuntimeError
        when it cannot start."""
        self.start_together([child])

    def start_together(self, children: list[Child]) -> None:
        """Start several children at the same moment (replicas of one service), then wait
        until every one is ready."""
        for child in children:
            self.children.append(child)
            child.start()
        for child in children:
            self._wait_ready(child)

    def _wait_ready(self, child: Child) -> None:
        deadline = child.started_at + child.start_timeout
        while not child.ready():
            assert child.process is not None
            if not child.process.alive():
                raise RuntimeError(f"{child.name} exited:\n{child.process.log_tail()}")
            if self.stopping.is_set():
                raise RuntimeError("stopped before the stack was up")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{child.name} was not ready after {child.start_timeout:.0f} s:\n"
                    f"{child.process.log_tail()}"
                )
            time.sleep(0.2)
        child.ready_at = time.monotonic()

    def watch(self, tick: float = 0.25) -> None:
        """Restart what dies until stop() is called (or SIGINT / SIGTERM arrive)."""
        while not self.stopping.wait(tick):
            for child in self.children:
                self._look_after(child)

    def _look_after(self, child: Child) -> None:
        now = time.monotonic()
        process = child.process
        if process is not None and not process.alive():
            why = death_reason(process.popen.returncode)
            process.stop(grace=0)  # what is left of its process group goes too
            child.process = None
            child.died_at = now
            if child.ready_at is not None and now - child.ready_at > STEADY_AFTER:
                child.backoff = FIRST_BACKOFF
            child.restart_at = now + child.backoff
            say(
                f"{child.name} (pid {process.pid}) died: {why}; restarting in "
                f"{child.backoff:.1f} s (log {process.log_path})"
            )
            child.backoff = min(child.backoff * 2, MAX_BACKOFF)
            return
        if child.process is None and child.restart_at is not None and now >= child.restart_at:
            if child.hold_file is not None and child.hold_file.exists():
                child.restart_at = now + 0.25
                return
            busy = [p for p in child.ports if not port_is_free(p)]
            if busy:  # a socket of the dead process still lingers
                child.restart_at = now + 0.5
                return
            child.restarts += 1
            try:
                child.start()
            except OSError as error:  # could not even spawn it: try again later
                child.process = None
                child.restart_at = now + child.backoff
                say(f"{child.name} could not be started ({error}); retrying")
                child.backoff = min(child.backoff * 2, MAX_BACKOFF)
                return
            child.restart_at = None
            return
        if child.process is not None and child.ready_at is None:
            if child.ready():
                child.ready_at = now
                down = now - (child.died_at or child.started_at)
                say(f"{child.name} is back (pid {child.process.pid}), {down:.1f} s after it died")
            elif now - child.started_at > child.start_timeout:
                say(f"{child.name} was not ready after {child.start_timeout:.0f} s; restarting")
                child.process.stop()

    def stop(self) -> None:
        """Stop every child, last started first."""
        self.stopping.set()
        for child in reversed(self.children):
            if child.process is not None:
                child.process.stop(signum=child_stop_signal(child.name))
                child.process = None


def run_in_foreground(start: Callable[["Supervisor"], None], leftovers: list[Path]) -> int:
    """`make run` and `make cluster`: start what `start` starts under one supervisor, watch it
    until Ctrl-C or SIGTERM, then stop everything by pid and remove `leftovers` (the files
    the CLI reads to find a running stack). One line, not a trace, when it cannot start."""
    from backend.domain.errors import DomainError

    supervisor = Supervisor([])
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: supervisor.stopping.set())
    try:
        start(supervisor)
        supervisor.watch()
        return 0
    except (RuntimeError, DomainError) as error:
        message = getattr(error, "message", None) or str(error)
        print(f"facegate: {message}", file=sys.stderr)
        return 1
    finally:
        supervisor.stop()
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)


def child_stop_signal(name: str) -> int:
    return signal.SIGINT if name == "postgres" else signal.SIGTERM


def death_reason(returncode: int | None) -> str:
    if returncode is None:
        return "unknown"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with status {returncode}"


def clear_stale(name: str, pid_file: Path, ports: list[int]) -> None:
    """Before starting `name`: stop a process an earlier run left behind when its pid file
    under var/ proves it ours; refuse (RuntimeError, one line) when a stranger holds a port."""
    recorded = _recorded(pid_file)
    if recorded is not None:
        pid, command = recorded
        try:
            process = psutil.Process(pid)
            if process.cmdline() == command:
                say(f"a stale {name} (pid {pid}) from an earlier run is still up; stopping it")
                _stop_group(process)
        except psutil.Error:
            pass
        pid_file.unlink(missing_ok=True)
    for port in ports:
        if not port_is_free(port):
            raise RuntimeError(f"port {port} for the {name} is taken by {holder(port)}")


def _recorded(pid_file: Path) -> tuple[int, list[str]] | None:
    try:
        found = json.loads(pid_file.read_text())
        return int(found["pid"]), list(found["command"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _stop_group(process: psutil.Process, timeout: float = 10.0) -> None:
    """Stop a stale child of ours and what it started: its descendants, and the rest of
    its process group when it leads one of its own (as every child of the stack does),
    which catches workers whose parent died first. Never our own group."""
    members = {process}
    with contextlib.suppress(psutil.Error):
        members.update(process.children(recursive=True))
    group = _group_of(process)
    if group == process.pid and group != os.getpgrp():
        members.update(p for p in psutil.process_iter() if _group_of(p) == group)
    for member in members:
        with contextlib.suppress(psutil.Error):
            member.terminate()
    _, alive = psutil.wait_procs(list(members), timeout=timeout)
    for member in alive:
        with contextlib.suppress(psutil.Error):
            member.kill()


def _group_of(process: psutil.Process) -> int | None:
    try:
        return os.getpgid(process.pid)
    except OSError:
        return None


def holder(port: int) -> str:
    """Who listens on a port, as far as this user may see."""
    try:
        for connection in psutil.net_connections("tcp"):
            if connection.laddr and connection.laddr.port == port and connection.pid:
                process = psutil.Process(connection.pid)
                return f"pid {connection.pid} ({' '.join(process.cmdline())[:80]})"
    except (psutil.Error, OSError):
        pass
    return "another process"
