"""Check-in evidence on the running stack: the kiosk's face crop stored with each matched
check-in, shown to HR on /admin beside the enrolled photo, disputed, swept after its
retention, erased with the employee, never reachable with a kiosk key."""

import io
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from facegate.samples import frame
from tests.backends import Stack, fresh_env, running_backend
from tests.e2e.browser import browser_page, wait_for
from tests.e2e.test_admin_page import sign_in, tab
from tests.e2e.test_checkin_api import bucket_keys, stored_snapshots

PERSON = "EVID-OBAMA"


def call(stack, method, path, key=None, **kwargs):
    return httpx.request(
        method,
        stack.url + path,
        headers={"X-API-Key": key or stack.admin_key},
        timeout=60,
        **kwargs,
    )


def check_in(stack, photo: bytes):
    answer = call(
        stack,
        "POST",
        "/api/v1/employees/search",
        key=stack.kiosk_key,
        files={"image": ("f.jpg", frame(photo))},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def enroll(stack, employee_id, photo):
    created = call(
        stack,
        "POST",
        "/api/v1/employees/insert",
        data={"employee_id": employee_id, "employee_name": "Barack Obama"},
        files={"image": ("obama.jpg", photo)},
    )
    assert created.status_code == 201, created.text


@pytest.fixture
def enrolled(stack, photos) -> Iterator[str]:
    person = f"{PERSON}-{uuid.uuid4().hex[:6]}"
    enroll(stack, person, photos["obama.jpg"])
    yield person
    call(stack, "DELETE", f"/api/v1/employees/{person}")


def test_a_matched_checkin_stores_the_aligned_crop_for_admins_only(stack, photos, enrolled):
    answer = check_in(stack, photos["obama2.jpg"])
    assert answer["matched"] is True and answer["employee_id"] == enrolled
    assert "snapshot" not in str(answer)
    [key] = stored_snapshots(stack, f"checkins/employees/{enrolled}/")
    item = call(stack, "GET", f"/api/v1/checkins/{answer['checkin_id']}").json()
    assert item["snapshot_path"] == f"/api/v1/checkins/{answer['checkin_id']}/snapshot"
    shown = call(stack, "GET", item["snapshot_path"])
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert len(shown.content) < 10_000
    assert Image.open(io.BytesIO(shown.content)).size == (112, 112)  # SFace's aligned crop
    as_kiosk = call(stack, "GET", item["snapshot_path"], key=stack.kiosk_key)
    assert as_kiosk.status_code == 403 and as_kiosk.json()["error"]["code"] == "forbidden"
    assert (
        call(
            stack, "GET", f"/api/v1/checkins/{answer['checkin_id']}", key=stack.kiosk_key
        ).status_code
        == 403
    )
    # the enrolled photo it matched, to put beside it
    assert call(stack, "GET", item["face_photo_path"]).status_code == 200
    # erasure takes the snapshots with the photos
    assert call(stack, "DELETE", f"/api/v1/employees/{enrolled}").status_code == 204
    assert bucket_keys(stack, f"checkins/employees/{enrolled}/") == []
    assert key.startswith(f"checkins/employees/{enrolled}/")


def test_a_stranger_leaves_no_snapshot_by_default(stack, photos, enrolled):
    before = bucket_keys(stack, "checkins/unknown/")
    assert check_in(stack, photos["biden.jpg"])["matched"] is False
    assert bucket_keys(stack, "checkins/unknown/") == before == []


@pytest.mark.browser
def test_hr_sees_the_snapshot_beside_the_enrolled_photo_and_disputes_it(
    stack, photos, enrolled, output_dir
):
    answer = check_in(stack, photos["obama2.jpg"])
    checkin_id = answer["checkin_id"]
    with browser_page(None) as page:
        page.set_viewport_size({"width": 1280, "height": 1000})
        sign_in(page, stack)
        tab(page, "today")
        card = f"#evidence-list li[data-checkin='{checkin_id}']"
        page.wait_for_selector(card)
        page.locator(card).scroll_into_view_if_needed()  # photos load when near the viewport
        wait_for(
            page,
            f'Array.from(document.querySelectorAll("{card} img"))'
            ".filter(i => i.naturalWidth > 0).length === 2",
            60,
        )
        page.screenshot(path=str(output_dir / "admin-evidence.png"), full_page=True)
        page.click(f"{card} button.dispute-open")
        page.wait_for_selector("#dispute-dialog[open]")
        page.fill("#dispute-reason", "On leave that day: a photo was shown to the kiosk")
        page.click("#dispute-confirm")
        wait_for(page, f"document.querySelector(\"{card}\").classList.contains('disputed')", 30)
        assert "On leave that day" in page.inner_text(card)
        page.screenshot(path=str(output_dir / "admin-evidence-disputed.png"), full_page=True)
        assert stack.admin_key not in page.content()
    item = call(stack, "GET", f"/api/v1/checkins/{checkin_id}").json()
    assert item["disputed"] is True and item["disputed_by"] == "admin-e2e"
    assert item["dispute_reason"] == "On leave that day: a photo was shown to the kiosk"
    exported = call(
        stack, "GET", "/api/v1/checkins", params={"format": "csv", "employee_id": enrolled}
    )
    header, *lines = exported.text.splitlines()
    assert header.endswith(",disputed,dispute_reason,method")
    assert any(
        line.startswith(f"{checkin_id},") and "true,On leave that day" in line for line in lines
    )


@pytest.fixture
def short_retention(postgres, s3, embedder_url, session_dir) -> Iterator[Stack]:
    """A backend of its own (database and bucket) keeping snapshots about 2 seconds."""
    env = {
        **fresh_env(postgres, s3, embedder_url, session_dir, "evid"),
        "CHECKIN_SNAPSHOT_DAYS": str(2 / 86400),
        "SWEEP_INTERVAL_SECONDS": "0.5",
    }
    with running_backend(env, session_dir / "evidence.log", "evid") as running:
        yield running


def test_snapshots_are_swept_after_the_retention_period(short_retention, photos):
    stack = short_retention
    enroll(stack, PERSON, photos["obama.jpg"])
    checkin_id = check_in(stack, photos["obama2.jpg"])["checkin_id"]
    item = call(stack, "GET", f"/api/v1/checkins/{checkin_id}").json()
    assert item["snapshot_path"] is not None
    assert stored_snapshots(stack, "checkins/")  # stored after the answer, then swept
    deadline = time.monotonic() + 30
    while bucket_keys(stack, "checkins/") and time.monotonic() < deadline:
        time.sleep(0.3)
    assert bucket_keys(stack, "checkins/") == []
    item = call(stack, "GET", f"/api/v1/checkins/{checkin_id}").json()
    assert item["snapshot_path"] is None  # the row stays, its evidence is gone
    gone = call(stack, "GET", f"/api/v1/checkins/{checkin_id}/snapshot")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "snapshot_not_found"
