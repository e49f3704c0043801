"""A backend killed (SIGKILL) between storing a photo and inserting its row: the photo
left behind is swept by the next backend, so no photo stays without its row. Killed after
a check-in's answer, before its snapshot reached the store: the next backend stores it."""

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


def held_snapshots(database_url: str) -> dict[str, bool]:
    """Each check-in's snapshot key: whether its row still holds the snapshot."""
    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.connect() as db:
            rows = db.execute(
                text(
                    "SELECT c.snapshot_key, h.checkin_id IS NOT NULL AS held FROM checkin c "
                    "LEFT JOIN snapshot_hold h ON h.checkin_id = c.id "
                    "WHERE c.snapshot_key IS NOT NULL"
                )
            )
            return {row.snapshot_key: row.held for row in rows}
    finally:
        engine.dispose()


def waiting(marks: Path) -> list[Path]:
    """The marks of the objects the paused backend waits to store (tests/faults/hooks)."""
    return [mark for mark in marks.iterdir() if mark.suffix != ".part"]


def snapshot_of(url: str, admin_key: str, checkin_id: int) -> httpx.Response:
    return httpx.get(
        f"{url}/api/v1/checkins/{checkin_id}/snapshot",
        headers={"X-API-Key": admin_key},
        timeout=30,
    )


def test_a_backend_killed_before_its_snapshot_reached_the_store_loses_no_snapshot(
    backend_env, photos, session_dir
):
    """The answer does not wait for the object store: the row commits holding its snapshot,
    which moves to the store after the answer. Killed (SIGKILL) while that move waits, the
    backend leaves a row naming a snapshot not yet stored; it is read from the row meanwhile,
    and the next backend's upload job stores it."""
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

    marks = session_dir / "snapshot-crash-marks"
    port = free_port()
    pausing = paused_env(env, 60, prefix="checkins/", mark=marks, before=True)
    paused = start_backend(port, pausing, session_dir / "snapshot-crash-1.log")
    try:
        answers.clear()
        check_in(f"http://127.0.0.1:{port}", kiosk_key, frame(photos["obama2.jpg"]), answers)
        answer = answers[0]
        # answered while the snapshot still waits to be stored
        assert isinstance(answer, httpx.Response) and answer.json()["matched"] is True
        assert wait_for(lambda: waiting(marks), timeout=30)
        [key] = [mark.read_text() for mark in waiting(marks)]
        assert held_snapshots(env["DATABASE_URL"]) == {key: True} and not store.exists(key)
        shown = snapshot_of(
            f"http://127.0.0.1:{port}", env["ADMIN_KEY"], answer.json()["checkin_id"]
        )
        assert shown.status_code == 200 and shown.content[:2] == b"\xff\xd8"  # from the row
        os.kill(paused.pid, signal.SIGKILL)
        paused.popen.wait()
    finally:
        paused.stop()
    assert held_snapshots(env["DATABASE_URL"]) == {key: True} and not store.exists(key)

    port = free_port()
    restarted = start_backend(port, env, session_dir / "snapshot-crash-2.log")
    try:
        assert wait_for(lambda: store.exists(key), timeout=30)
        assert wait_for(lambda: held_snapshots(env["DATABASE_URL"]) == {key: False}, timeout=10)
        again = snapshot_of(
            f"http://127.0.0.1:{port}", env["ADMIN_KEY"], answer.json()["checkin_id"]
        )
    finally:
        restarted.stop()
    assert again.status_code == 200 and again.content == shown.content  # from the store
    assert set(store.keys("checkins/")) == {key}
