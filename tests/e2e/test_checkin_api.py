"""The whole stack over HTTP with the real embedder and real photos (issue 3's scenario)."""

import io
import random
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from minio import Minio
from PIL import Image, ImageEnhance, ImageFilter

from facegate.samples import frame
from tests.conftest import blank_image, run_cli


def insert(stack, key, employee_id, name, image):
    return httpx.post(
        f"{stack.url}/api/v1/employees/insert",
        headers={"X-API-Key": key},
        data={"employee_id": employee_id, "employee_name": name},
        files={"image": ("photo.jpg", image, "image/jpeg")},
        timeout=60,
    )


def search(stack, image, key=None):
    return httpx.post(
        f"{stack.url}/api/v1/employees/search",
        headers={"X-API-Key": key or stack.kiosk_key},
        files={"image": ("frame.jpg", image, "image/jpeg")},
        timeout=60,
    )


def bucket_keys(stack, prefix):
    client = Minio(
        stack.env["S3_ENDPOINT"].removeprefix("http://"),
        access_key=stack.env["S3_ACCESS_KEY"],
        secret_key=stack.env["S3_SECRET_KEY"],
        secure=False,
    )
    return [o.object_name for o in client.list_objects(stack.env["S3_BUCKET"], prefix, True)]


def stored_snapshots(stack, prefix: str, timeout: float = 15.0) -> list[str]:
    """The keys under `prefix` once a check-in's snapshot is there: it moves from its row
    to the store just after the answer, so a test reads the bucket when it has arrived."""
    deadline = time.monotonic() + timeout
    while not (keys := bucket_keys(stack, prefix)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return keys


def test_enroll_search_duplicate_erase(stack, photos):
    created = insert(stack, stack.admin_key, "E1", "Barack Obama", photos["obama.jpg"])
    assert created.status_code == 201, created.text
    # The photo comes through the backend, to admin keys only; the store is not exposed.
    photo_url = stack.url + created.json()["image_url"]
    photo = httpx.get(photo_url, headers={"X-API-Key": stack.admin_key})
    assert photo.status_code == 200 and photo.content == photos["obama.jpg"]
    assert photo.headers["content-type"] == "image/jpeg"
    assert httpx.get(photo_url, headers={"X-API-Key": stack.kiosk_key}).status_code == 403

    found = search(stack, frame(photos["obama2.jpg"])).json()
    assert found["matched"] is True and found["employee_id"] == "E1"
    threshold = gallery(stack)["match_threshold"]
    assert found["employee_name"] == "Barack Obama" and found["distance"] < threshold

    stranger = search(stack, frame(photos["biden.jpg"])).json()
    assert stranger == {
        **stranger,
        "matched": False,
        "employee_name": "Unknown",
        "reason": "no_match",
    }

    duplicate = insert(stack, stack.admin_key, "E2", "Not Obama", photos["obama3.jpg"])
    assert duplicate.status_code == 409
    error = duplicate.json()["error"]
    assert error["code"] == "face_already_enrolled" and error["details"]["employee_id"] == "E1"
    assert bucket_keys(stack, "employees/E2/") == []

    assert bucket_keys(stack, "employees/E1/") != []
    erased = httpx.delete(
        f"{stack.url}/api/v1/employees/E1", headers={"X-API-Key": stack.admin_key}
    )
    assert erased.status_code == 204
    assert search(stack, frame(photos["obama2.jpg"])).json()["matched"] is False
    assert bucket_keys(stack, "employees/E1/") == []
    gone = httpx.get(f"{stack.url}/api/v1/employees/E1", headers={"X-API-Key": stack.admin_key})
    assert gone.status_code == 404


def gallery(stack):
    answer = httpx.get(f"{stack.url}/api/v1/gallery", headers={"X-API-Key": stack.admin_key})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_gallery_reports_model_size_and_the_threshold_for_that_size(stack, photos):
    before = gallery(stack)
    assert (before["model"], before["detector"], before["metric"]) == ("SFace", "yunet", "cosine")
    assert before["threshold_basis"] == "calibrated" and "LFW View 1" in before["calibration"]
    assert before["stranger_accept_target"] == 0.005
    assert 0 < before["duplicate_refuse_threshold"] < before["match_threshold"] < 1
    assert before["expected_stranger_accept"] <= 0.005
    # the threshold floor (issue 25): a small gallery uses the thresholds of 100 faces
    assert before["match_min_gallery"] == 100
    assert before["thresholds_sized_for"] == max(before["faces"], 100)
    assert before["threshold_floor_in_force"] == (before["faces"] < 100)
    ready = httpx.get(f"{stack.url}/readyz").json()
    assert ready["gallery"]["model"] == "SFace"
    assert ready["gallery"]["match_threshold"] == before["match_threshold"]
    assert ready["gallery"]["threshold_floor_in_force"] == before["threshold_floor_in_force"]
    kiosk = httpx.get(f"{stack.url}/api/v1/gallery", headers={"X-API-Key": stack.kiosk_key})
    assert kiosk.status_code == 403


def enroll_at(url, key, employee_id, name, image, **fields):
    return httpx.post(
        f"{url}/api/v1/employees/insert",
        headers={"X-API-Key": key},
        data={"employee_id": employee_id, "employee_name": name, **fields},
        files={"image": ("photo.jpg", image, "image/jpeg")},
        timeout=60,
    )


def test_a_look_alike_is_left_to_hr_and_their_confirmation_is_recorded(
    stack, cautious_backend, photos
):
    admin = {"X-API-Key": stack.admin_key}
    assert insert(stack, stack.admin_key, "LA-1", "Barack Obama", photos["obama.jpg"]).is_success
    try:
        asked = enroll_at(cautious_backend, stack.admin_key, "LA-2", "Alike", photos["obama2.jpg"])
        assert asked.status_code == 409, asked.text
        error = asked.json()["error"]
        assert error["code"] == "possible_duplicate"
        assert error["details"]["employee_id"] == "LA-1"
        assert bucket_keys(stack, "employees/LA-2/") == []
        # the look-alike's photo, through the backend, for HR to compare
        face_id = error["details"]["face_id"]
        photo = httpx.get(f"{stack.url}/api/v1/employees/LA-1/faces/{face_id}/photo", headers=admin)
        assert photo.status_code == 200 and photo.content == photos["obama.jpg"]
        assert photo.headers["content-type"] == "image/jpeg"

        unclear = enroll_at(
            cautious_backend,
            stack.admin_key,
            "LA-2",
            "Alike",
            photos["obama2.jpg"],
            confirm_distinct="perhaps",
        )
        assert (unclear.status_code, unclear.json()["error"]["code"]) == (422, "validation_error")
        confirmed = enroll_at(
            cautious_backend,
            stack.admin_key,
            "LA-2",
            "Alike",
            photos["obama2.jpg"],
            confirm_distinct="true",
        )
        assert confirmed.status_code == 201, confirmed.text
        [face] = httpx.get(f"{stack.url}/api/v1/employees/LA-2", headers=admin).json()["faces"]
        assert (face["confirmed_distinct_from"], face["confirmed_by"]) == ("LA-1", "admin-e2e")
    finally:
        for employee in ("LA-1", "LA-2"):
            httpx.delete(f"{stack.url}/api/v1/employees/{employee}", headers=admin)


def test_no_face_in_frame(stack):
    answer = search(stack, blank_image()).json()
    assert answer == {"matched": False, "employee_name": "Unknown", "reason": "no_face_detected"}


def test_bad_enrollments_get_their_codes(stack, photos):
    cases = [
        (b"garbage bytes", 422, "invalid_image"),
        (blank_image(), 422, "no_face_detected"),
    ]
    for image, status, code in cases:
        answer = insert(stack, stack.admin_key, "E9", "Nobody", image)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
    source = Image.open(io.BytesIO(photos["obama.jpg"])).convert("RGB")
    poor = {
        "face_size": source.resize((227, 284)),  # face about 72 px, under 80
        "sharpness": source.filter(ImageFilter.GaussianBlur(6)),
        "brightness": ImageEnhance.Brightness(source).enhance(0.2),
    }
    for figure, poor_image in poor.items():
        encoded = io.BytesIO()
        poor_image.save(encoded, "JPEG")
        answer = insert(stack, stack.admin_key, "E9", "Nobody", encoded.getvalue())
        error = answer.json()["error"]
        assert (answer.status_code, error["code"]) == (422, "low_quality"), figure
        assert figure in error["details"]["failing"]
    assert bucket_keys(stack, "employees/E9/") == []


def test_concurrent_searches_each_get_their_own_answer(stack, photos):
    assert insert(stack, stack.admin_key, "OB", "Obama", photos["obama.jpg"]).status_code == 201
    try:
        frames = {"obama": frame(photos["obama2.jpg"]), "biden": frame(photos["biden.jpg"])}
        order = ["obama", "biden"] * 16
        random.Random(7).shuffle(order)
        with ThreadPoolExecutor(32) as pool:
            answers = list(pool.map(lambda who: search(stack, frames[who]).json(), order))
        for who, answer in zip(order, answers):
            assert answer["matched"] is (who == "obama"), (who, answer)
    finally:
        httpx.delete(f"{stack.url}/api/v1/employees/OB", headers={"X-API-Key": stack.admin_key})


def test_keys_cli_list_and_revoke(stack):
    created = run_cli("keys", "create", "--role", "kiosk", "--name", "lobby", env=stack.env)
    key = created.stdout.strip()
    assert created.returncode == 0 and key.startswith("fgk_") and "\n" not in key
    assert httpx.get(f"{stack.url}/api/v1/auth/whoami", headers={"X-API-Key": key}).json() == {
        "name": "lobby",
        "role": "kiosk",
        "liveness": "off",
        "site_name": "Main office",
        "direction": "both",
    }
    listed = run_cli("keys", "list", env=stack.env).stdout
    assert "lobby\tkiosk" in listed and key not in listed
    assert run_cli("keys", "revoke", "lobby", env=stack.env).returncode == 0
    # a kiosk key of a site and a direction; a site that does not exist is refused
    exit_door = run_cli(
        "keys", "create", "--role", "kiosk", "--name", "exit", "--site", "1",
        "--direction", "out", env=stack.env,
    )  # fmt: skip
    assert exit_door.returncode == 0, exit_door.stderr
    who = httpx.get(
        f"{stack.url}/api/v1/auth/whoami", headers={"X-API-Key": exit_door.stdout.strip()}
    ).json()
    assert (who["site_name"], who["direction"]) == ("Main office", "out")
    assert "exit\tkiosk" in run_cli("keys", "list", env=stack.env).stdout
    nowhere = run_cli(
        "keys", "create", "--role", "kiosk", "--name", "nowhere", "--site", "999", env=stack.env
    )
    assert nowhere.returncode == 1 and "no site 999" in nowhere.stderr
    assert "Traceback" not in nowhere.stderr
    assert run_cli("keys", "revoke", "exit", env=stack.env).returncode == 0
    refused = httpx.get(f"{stack.url}/api/v1/auth/whoami", headers={"X-API-Key": key})
    assert refused.status_code == 401


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health(stack, path):
    assert httpx.get(stack.url + path).status_code == 200


def test_chunked_upload_is_cut_off_at_the_limit(stack):
    """A body without Content-Length is refused once it passes the limit, while it streams:
    the server answers 413 long before the client has sent it all."""
    import select
    import socket
    from urllib.parse import urlsplit

    target = urlsplit(stack.url)
    limit = 10 * 1024 * 1024 + 64 * 1024  # MAX_UPLOAD_BYTES + the form's allowance
    chunk = b"\xff" * (256 * 1024)
    sent = 0
    answer = b""
    with socket.create_connection((target.hostname, target.port), timeout=30) as conn:
        conn.sendall(
            b"POST /api/v1/employees/search HTTP/1.1\r\n"
            + f"Host: {target.netloc}\r\nX-API-Key: {stack.kiosk_key}\r\n".encode()
            + b"Content-Type: multipart/form-data; boundary=b\r\n"
            + b"Transfer-Encoding: chunked\r\n\r\n"
        )
        start = b'--b\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n'
        conn.sendall(f"{len(start):x}\r\n".encode() + start + b"\r\n")
        while sent < 20 * limit:
            readable, _, _ = select.select([conn], [], [], 0)
            if readable:
                break
            try:
                conn.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            except OSError:  # the server closed its side after answering
                break
            sent += len(chunk)
        conn.settimeout(10)
        while b"\r\n\r\n" not in answer:
            data = conn.recv(65536)
            if not data:
                break
            answer += data
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 3 * limit  # stopped reading near the limit, not after the whole body
