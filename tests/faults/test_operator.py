"""What an operator meets at start: stale processes, a database that is down, and the CLI
finding the local stack by itself."""

import json
import os
import subprocess
import sys
import time

import pytest

from facegate.processes import free_port, free_weed_port, port_is_free
from facegate.supervisor import clear_stale
from tests.conftest import run_cli

LISTENER_START_TIMEOUT = 30.0


def listener(port: int) -> subprocess.Popen[bytes]:
    """A process of ours listening on port (Python's http.server), once it listens."""
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + LISTENER_START_TIMEOUT
    while port_is_free(port):
        if process.poll() is not None:
            raise RuntimeError("the listener did not start")
        if time.monotonic() > deadline:
            process.kill()
            raise TimeoutError(f"nothing listened on {port} within {LISTENER_START_TIMEOUT} s")
        time.sleep(0.05)
    return process


def test_a_stale_process_proven_ours_is_stopped(tmp_path, capsys):
    port = free_port()
    stale = listener(port)
    try:
        pid_file = tmp_path / "run" / "backend.pid"
        pid_file.parent.mkdir()
        pid_file.write_text(json.dumps({"pid": stale.pid, "command": stale.args}))
        clear_stale("backend", pid_file, [port])
        assert stale.wait(10) is not None
        assert port_is_free(port) and not pid_file.exists()
        [line] = capsys.readouterr().err.strip().splitlines()
        assert f"stale backend (pid {stale.pid})" in line
    finally:
        stale.kill()
        stale.wait()


def test_a_stranger_on_the_port_is_named_and_left_alone(tmp_path):
    port = free_port()
    stranger = listener(port)
    try:
        with pytest.raises(RuntimeError) as refused:
            clear_stale("backend", tmp_path / "backend.pid", [port])
        assert f"port {port} for the backend is taken by pid {stranger.pid}" in str(refused.value)
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_a_database_that_is_down_is_one_line(tmp_path):
    env = {
        **os.environ,
        "FACEGATE_VAR": str(tmp_path / "var"),
        "DATABASE_URL": f"postgresql://facegate:secret@127.0.0.1:{free_port()}/facegate",
        "FACEGATE_S3_PORT": str(free_weed_port()),
        "EMBEDDER_PORT": str(free_port()),
        "BACKEND_PORT": str(free_port()),
        "TLS_CERT": str(tmp_path / "certs" / "facegate.crt"),
    }
    run = subprocess.run(
        [sys.executable, "-m", "facegate", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if "Warning" not in line and line.strip()]
    errors = [line for line in errors if not line.startswith("  return Path")]
    assert len(errors) == 1, run.stderr
    assert errors[0].startswith("facegate: the database at postgresql://facegate:***@")
    assert "secret" not in run.stderr + run.stdout


def test_the_cli_without_a_stack_says_how_to_get_one(tmp_path):
    env = {"FACEGATE_VAR": str(tmp_path), "DATABASE_URL": ""}
    listed = run_cli("keys", "list", env=env)
    assert listed.returncode == 1
    assert "set DATABASE_URL, or start the local stack with make run" in listed.stderr


def test_a_child_that_dies_is_restarted_with_a_line_saying_why(tmp_path, capsys):
    import signal
    import threading

    from facegate.processes import spawn
    from facegate.supervisor import Child, Supervisor

    command = [sys.executable, "-c", "import time; time.sleep(120)"]
    child = Child(
        "sleeper",
        lambda: spawn("sleeper", command, {}, tmp_path / "sleeper.log"),
        lambda: True,
        start_timeout=10,
    )
    supervisor = Supervisor([])
    supervisor.start(child)
    first = child.process
    assert first is not None
    watching = threading.Thread(target=supervisor.watch, kwargs={"tick": 0.05})
    watching.start()
    try:
        os.kill(first.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while (child.process is None or child.process is first) and time.monotonic() < deadline:
            time.sleep(0.05)
        second = child.process
        assert second is not None and second.pid != first.pid and second.alive()
    finally:
        supervisor.stop()
        watching.join(10)
    assert not second.alive()
    said = capsys.readouterr().err
    assert f"sleeper (pid {first.pid}) died: killed by SIGKILL; restarting in 0.5 s" in said


def test_a_child_held_down_stays_down_until_its_hold_file_goes(tmp_path):
    """`facegate run --ha`'s hold files: the fault suite keeps a killed node down."""
    import signal
    import threading

    from facegate.processes import spawn
    from facegate.supervisor import Child, Supervisor

    command = [sys.executable, "-c", "import time; time.sleep(120)"]
    hold = tmp_path / "sleeper.hold"
    child = Child(
        "sleeper",
        lambda: spawn("sleeper", command, {}, tmp_path / "sleeper.log"),
        lambda: True,
        start_timeout=10,
        hold_file=hold,
    )
    supervisor = Supervisor([])
    supervisor.start(child)
    first = child.process
    assert first is not None
    watching = threading.Thread(target=supervisor.watch, kwargs={"tick": 0.05})
    watching.start()
    try:
        hold.touch()
        os.kill(first.pid, signal.SIGKILL)
        deadline = time.monotonic() + 3  # six times the first backoff: it would be back
        while time.monotonic() < deadline:
            assert child.process is None or child.process is first
            time.sleep(0.05)
        hold.unlink()
        deadline = time.monotonic() + 10
        while child.process is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert child.process is not None and child.process.alive()
    finally:
        supervisor.stop()
        watching.join(10)
