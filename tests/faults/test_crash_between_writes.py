"""A backend killed (SIGKILL) between storing a photo and inserting its row: the photo
left behind is swept by the next backend, so no photo stays without its row."""

import os
import signal
import threading
import time

import httpx

from facegate.processes import free_port, start_backend
from tests.faults.conftest import face_keys, store_of

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


def test_kill_between_photo_and_row_leaves_no_orphan(backend_env, photos, session_dir):
    store = store_of(backend_env)
    env = {**backend_env, "SWEEP_GRACE_SECONDS": str(GRACE), "SWEEP_INTERVAL_SECONDS": "0.5"}
    port = free_port()
    paused = start_backend(
        port,
        {**env, "FAULT_PAUSE_AFTER_PHOTO_PUT": "60"},
        session_dir / "crash-backend-1.log",
    )
    answers: list[object] = []
    client = threading.Thread(
        target=enroll,
        args=(f"http://127.0.0.1:{port}", env["ADMIN_KEY"], photos["obama.jpg"], answers),
    )
    client.start()
    try:
        # The photo is stored; the backend now waits before inserting the row: kill it.
        assert wait_for(lambda: store.keys("employees/CRASH-1/"), timeout=60)
        os.kill(paused.pid, signal.SIGKILL)
        paused.popen.wait()
    finally:
        client.join(70)
        paused.stop()
    assert isinstance(answers[0], httpx.HTTPError)  # the client saw the connection drop
    [orphan] = store.keys("employees/CRASH-1/")
    assert face_keys(env["DATABASE_URL"]) == set()  # the crash state: a photo, no row

    port = free_port()
    restarted = start_backend(port, env, session_dir / "crash-backend-2.log")
    try:
        assert wait_for(lambda: not store.exists(orphan), timeout=GRACE + 20)
        # The employee can be enrolled again from the same photo.
        answers.clear()
        enroll(f"http://127.0.0.1:{port}", env["ADMIN_KEY"], photos["obama.jpg"], answers)
    finally:
        restarted.stop()
    assert getattr(answers[0], "status_code", None) == 201
    assert set(store.keys("employees/")) == face_keys(env["DATABASE_URL"])
