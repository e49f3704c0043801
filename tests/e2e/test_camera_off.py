"""The pages turn the camera off when it is not needed: signing out of /enroll and /admin,
and leaving /admin's "Add a photo". Observed from the page: the stream's tracks end."""

import time

import httpx
import pytest

from tests.e2e.browser import browser_page, wait_for, write_y4m

pytestmark = pytest.mark.browser
PERSON = "CAMERA-OBAMA"
# Keep the stream the video shows, to look at its tracks after the page let go of it.
KEEP_STREAM = (
    "(() => { window.__kept = document.querySelector('#video').srcObject;"
    " return window.__kept ? window.__kept.getVideoTracks().map(t => t.readyState) : []; })()"
)
ENDED = "window.__kept.getTracks().every(t => t.readyState === 'ended')"


@pytest.fixture(scope="module")
def enrolled(stack, photos):
    answer = httpx.post(
        stack.url + "/api/v1/employees/insert",
        headers={"X-API-Key": stack.admin_key},
        data={"employee_id": PERSON, "employee_name": "Camera Obama"},
        files={"image": ("obama.jpg", photos["obama.jpg"])},
        timeout=60,
    )
    assert answer.status_code == 201, answer.text
    yield
    httpx.delete(f"{stack.url}/api/v1/employees/{PERSON}", headers={"X-API-Key": stack.admin_key})


def sign_in(page, stack, path):
    page.goto(f"{stack.url}{path}")
    page.fill("#admin-key", stack.admin_key)
    page.click("#key-submit")


def assert_detections_stay(page, seconds=1.5):
    """The detection loop has stopped: the count does not move for a while."""
    before = page.evaluate("window.facegate.detections")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert page.evaluate("window.facegate.detections") == before
        time.sleep(0.2)


def test_signing_out_of_enroll_stops_the_camera_and_its_detection(stack, photos, tmp_path):
    camera = write_y4m(photos["obama.jpg"], tmp_path / "feed.y4m")
    with browser_page(camera) as page:
        sign_in(page, stack, "/enroll")
        wait_for(page, "window.facegate.detections >= 2", 60)
        assert page.evaluate(KEEP_STREAM) == ["live"]
        # the test hooks are a read-only copy, not the page's state
        page.evaluate("window.facegate.detections = -1")
        assert page.evaluate("window.facegate.detections") >= 2
        assert page.evaluate("Object.isFrozen(window.facegate)")

        page.click("#sign-out")
        wait_for(page, ENDED, 10)
        assert page.evaluate("document.querySelector('#video').srcObject") is None
        assert page.is_visible("#key-panel") and not page.is_visible("#enroll-form")
        assert_detections_stay(page)


def test_admin_camera_stops_on_leaving_the_person_and_on_signing_out(
    stack, enrolled, photos, tmp_path
):
    camera = write_y4m(photos["obama.jpg"], tmp_path / "feed.y4m")
    with browser_page(camera) as page:
        sign_in(page, stack, "/admin")
        page.wait_for_selector("#view-people", state="visible")

        def open_camera():
            page.fill("#people-search", PERSON)
            wait_for(page, f"document.querySelector('[data-employee=\"{PERSON}\"]') !== null")
            page.click(f"[data-employee='{PERSON}']")
            page.wait_for_selector("#person", state="visible")
            page.click("#add-camera")
            wait_for(page, "document.querySelector('#add-status').textContent.includes('face')", 60)
            assert page.evaluate(KEEP_STREAM) == ["live"]

        open_camera()
        page.click("#tabs .tab[data-view='today']")  # another view: the camera goes off
        wait_for(page, ENDED, 10)

        page.click("#tabs .tab[data-view='people']")
        open_camera()
        page.click("#sign-out")
        wait_for(page, ENDED, 10)
        assert page.evaluate("document.querySelector('#video').srcObject") is None
        assert page.is_visible("#key-panel") and not page.is_visible("#app")
