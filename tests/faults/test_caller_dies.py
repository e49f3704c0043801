"""A program driving `facegate run` (a test run, the bench) killed by SIGKILL: the stack it
started goes with it instead of living on as orphans."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil

from facegate.processes import free_port, free_weed_port

STOP_WITHIN = 60.0

CALLER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from facegate.foreground import launch_foreground

    folder = Path(sys.argv[1])
    popen, _ = launch_foreground([], dict(os.environ), folder / "run.log", timeout=240)
    (folder / "supervisor.pid").write_text(str(popen.pid))
    time.sleep(600)  # killed long before
    """
)


def test_a_killed_caller_takes_the_stack_with_it(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "FACEGATE_VAR": str(tmp_path / "var"),
        "FACEGATE_S3_PORT": str(free_weed_port()),
        "EMBEDDER_PORT": str(free_port()),
        "BACKEND_PORT": str(free_port()),
        "TLS_CERT": str(tmp_path / "certs" / "facegate.crt"),
        "TLS_KEY": str(tmp_path / "certs" / "facegate.key"),
        "BACKEND_HOST": "127.0.0.1",
    }
    for name in ("DATABASE_URL", "S3_ENDPOINT", "EMBEDDER_URL"):
        env.pop(name, None)
    caller = subprocess.Popen(
        [sys.executable, "-c", CALLER, str(tmp_path)], env=env, start_new_session=True
    )
    pid_file = tmp_path / "supervisor.pid"
    family: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 300
        while not pid_file.exists():
            assert caller.poll() is None, (tmp_path / "run.log").read_text(errors="replace")
            assert time.monotonic() < deadline, "the stack did not start"
            time.sleep(0.5)
        supervisor = psutil.Process(int(pid_file.read_text()))
        family = [supervisor, *supervisor.children(recursive=True)]
        names = " ".join(" ".join(p.cmdline()) for p in family)
        assert "-m backend" in names and "-m embedder" in names  # the whole stack is up
        os.kill(caller.pid, signal.SIGKILL)
        caller.wait()
        gone_by = time.monotonic() + STOP_WITHIN
        while any(_alive(p) for p in family) and time.monotonic() < gone_by:
            time.sleep(0.5)
        left = [" ".join(p.cmdline()[:3]) for p in family if _alive(p)]
        assert left == [], f"still running after the caller died: {left}"
    finally:
        if caller.poll() is None:
            caller.kill()
        for process in family:  # whatever the test found alive, by pid
            if _alive(process):
                process.kill()


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
