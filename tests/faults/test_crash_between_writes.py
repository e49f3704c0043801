"""A backend killed (SIGKILL) between storing a photo and inserting its row: the photo
left behind is swept by the next backend, so no photo stays without its row."""

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import text

from backend.infrastructure.database import make_engine
from facegate.children import start_backend
from facegate.processes import free_port
from facegate.samples import frame
from tests.conftest import run_cli
from tests.faults.conftest import face_keys, store_of
from tests.faults.pausing import paused_env

GRACE = 2.0


def enroll(url: str, key: str, photo: bytes, answers: list[object]) -> None:
    try:
        answers.append(
            httpx.post(
                url + "/api/v1/employees/insert",
                headers={"X-API-Key": key},
                data={"employee_id": "CRASH-1", "employee_name": "Barack Obama"},
                files={"image": ("obama.jpg", photo)},
                timeout=60,
            )
        )
    except httpx.HTTPError as error:
        answers.append(error)


def wait_for(condition, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def killed_after_storing(
    env: dict[str, str], log: Path, prefix: str, send: Callable[[str, list[object]], None]
) -> str:
    """Start a backend that waits after each stored object, have `send` call it, and kill it
    (SIGKILL) once an object under `prefix` is stored: the client sees the connection drop.
    Returns the object left behind without its row."""
    store = store_of(env)
    port = free_port()
    paused = start_backend(port, paused_env(env, 60), log)
    answers: list[object] = []
    client = threading.Thread(target=send, args=(f"http://127.0.0.1:{port}", answers))
    client.start()
    try:
        assert wait_for(lambda: store.keys(prefix), timeout=60)
        os.kill(paused.pid, signal.SIGKILL)
        paused.popen.wait()
    finally:
        client.join(70)
        paused.stop()
    assert isinstance(answers[0], httpx.HTTPError)  # the client saw the connection drop
    [orphan] = store.keys(prefix)
    return orphan


def test_kill_between_photo_and_row_leaves_no_orphan(backend_env, photos, session_dir):
    store = store_of(backend_env)
    env = {**backend_env, "SWEEP_GRACE_SECONDS": str(GRACE), "SWEEP_INTERVAL_SECONDS": "0.5"}
    # The photo is stored; the backend now waits before inserting the row: kill it.
    orphan = killed_after_storing(
        env,
        session_dir / "crash-backend-1.log",
        "employees/CRASH-1/",
        lambda url, answers: enroll(url, env["ADMIN_KEY"], photos["obama.jpg"], answers),
    )
    assert face_keys(env["DATABASE_URL"]) == set()  # the crash state: a photo, no row

    port = free_port()
    restarted = start_backend(port, env, session_dir / "crash-backend-2.log")
    try:
        assert wait_for(lambda: not store.exists(orphan), timeout=GRACE + 20)
        # The employee can be enrolled again from the same photo.
        answers: list[object] = []
        enroll(f"http://127.0.0.1:{port}", env["ADMIN_KEY"], photos["obama.jpg"], answers)
    finally:
        restarted.stop()
    assert getattr(answers[0], "status_code", None) == 201
    assert set(store.keys("employees/")) == face_keys(env["DATABASE_URL"])


def check_in(url: str, key: str, photo: bytes, answers: list[object]) -> None:
    try:
        answers.append(
            httpx.post(
                url + "/api/v1/employees/search",
                headers={"X-API-Key": key},
                files={"image": ("frame.jpg", photo)},
                timeout=60,
            )
        )
    except httpx.HTTPError as error:
        answers.append(error)


def snapshot_keys(database_url: str) -> set[str]:
    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.connect() as db:
            return set(
                db.execute(
                    text("SELECT snapshot_key FROM checkin WHERE snapshot_key IS NOT NULL")
                ).scalars()
            )
    finally:
        engine.dispose()


def test_kill_between_snapshot_and_checkin_row_leaves_no_orphan(backend_env, photos, session_dir):
    store = store_of(backend_env)
    env = {**backend_env, "SWEEP_GRACE_SECONDS": str(GRACE), "SWEEP_INTERVAL_SECONDS": "0.5"}
    kiosk = run_cli("keys", "create", "--role", "kiosk", "--name", "kiosk-fault", env=env)
    assert kiosk.returncode == 0, kiosk.stderr
    kiosk_key = kiosk.stdout.strip()
    port = free_port()
    healthy = start_backend(port, env, session_dir / "snapshot-crash-0.log")
    try:
        answers: list[object] = []
        enroll(f"http://127.0.0.1:{port}", env["ADMIN_KEY"], photos["obama.jpg"], answers)
        assert getattr(answers[0], "status_code", None) == 201
    finally:
        healthy.stop()

    # The snapshot is stored; the backend now waits before the check-in row: kill it.
    orphan = killed_after_storing(
        env,
        session_dir / "snapshot-crash-1.log",
        "checkins/",
        lambda url, answers: check_in(url, kiosk_key, frame(photos["obama2.jpg"]), answers),
    )
    assert snapshot_keys(env["DATABASE_URL"]) == set()  # a snapshot, no row

    port = free_port()
    restarted = start_backend(port, env, session_dir / "snapshot-crash-2.log")
    try:
        assert wait_for(lambda: not store.exists(orphan), timeout=GRACE + 20)
        answers.clear()
        check_in(f"http://127.0.0.1:{port}", kiosk_key, frame(photos["obama2.jpg"]), answers)
    finally:
        restarted.stop()
    answer = answers[0]
    assert isinstance(answer, httpx.Response) and answer.json()["matched"] is True
    assert set(store.keys("checkins/")) == snapshot_keys(env["DATABASE_URL"]) != set()
