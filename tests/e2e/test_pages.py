"""The kiosk and enrollment pages in real Chromium against the real stack."""

import time
from datetime import datetime, timedelta

import httpx
import pytest

from backend.config import BackendSettings
from facegate.samples import CACHE
from facegate_shared.paths import REPO_ROOT
from tests.composed import busy_photo
from tests.e2e.browser import browser_page, wait_for, write_y4m

pytestmark = pytest.mark.browser
ENROLLED = ("PAGE-OBAMA", "Barack Obama")
# The stack runs with the default repeat window (CHECKIN_REPEAT_SECONDS unset).
REPEAT_WINDOW = timedelta(seconds=BackendSettings.model_fields["checkin_repeat_seconds"].default)


def api(stack, method, path, **kwargs):
    return httpx.request(
        method, stack.url + path, headers={"X-API-Key": stack.admin_key}, timeout=60, **kwargs
    )


@pytest.fixture(scope="module")
def enrolled(stack, photos):
    """obama.jpg enrolled through the API; everything the pages add is erased afterwards."""
    created = api(
        stack,
        "POST",
        "/api/v1/employees/insert",
        data={"employee_id": ENROLLED[0], "employee_name": ENROLLED[1]},
        files={"image": ("obama.jpg", photos["obama.jpg"])},
    )
    assert created.status_code == 201, created.text
    yield
    for employee in (ENROLLED[0], "PAGE-BIDEN", "PAGE-OTHER", "PAGE-TWIN", "PAGE-TWIN2"):
        api(stack, "DELETE", f"/api/v1/employees/{employee}")


def kiosk(page, stack):
    page.goto(f"{stack.url}/checkin")
    page.fill("#kiosk-key", stack.kiosk_key)
    page.click("#save-key")


@pytest.mark.parametrize(
    ("feed", "state", "name"),
    [("obama2.jpg", "matched", ENROLLED[1]), ("biden.jpg", "unknown", None)],
)
def test_checkin_page_shows_the_answer(
    stack, enrolled, photos, tmp_path, output_dir, feed, state, name
):
    camera = write_y4m(photos[feed], tmp_path / "feed.y4m")
    with browser_page(camera) as page:
        kiosk(page, stack)
        wait_for(page, f"document.querySelector('#result').dataset.state === '{state}'", 60)
        page.screenshot(path=str(output_dir / f"checkin-{state}.png"))
        message = page.inner_text("#result-message")
        if name:
            assert page.inner_text("#result-name") == name
            assert "Checked in" in message
        else:
            assert "Not recognised" in message
        assert page.evaluate("window.facegate.searchRequests") >= 1
        assert stack.kiosk_key not in page.content()


def test_checkin_page_sends_nothing_without_a_face(stack, enrolled, tmp_path, output_dir):
    camera = write_y4m(None, tmp_path / "blank.y4m")
    with browser_page(camera) as page:
        kiosk(page, stack)
        wait_for(page, "window.facegate.detections >= 15", 60)  # the detector is looking
        time.sleep(2)
        page.screenshot(path=str(output_dir / "checkin-no-face.png"))
        assert page.evaluate("window.facegate.searchRequests") == 0
        assert page.get_attribute("#result", "data-state") == "scanning"


def test_enroll_page_enrolls_by_upload_and_refuses_a_duplicate(
    stack, enrolled, tmp_path, output_dir
):
    camera = write_y4m(None, tmp_path / "blank.y4m")
    with browser_page(camera) as page:
        page.goto(f"{stack.url}/enroll")
        page.fill("#admin-key", stack.admin_key)
        page.click("#key-submit")
        page.wait_for_selector("#enroll-form", state="visible")

        page.fill("#employee-id", "PAGE-BIDEN")
        page.fill("#employee-name", "Joe Biden")
        page.set_input_files("#photo-file", str(CACHE / "biden.jpg"))
        page.click("#submit")
        wait_for(page, "document.querySelector('#outcome').dataset.state === 'success'", 60)
        assert "Enrolled Joe Biden (PAGE-BIDEN)" in page.inner_text("#outcome")
        page.screenshot(path=str(output_dir / "enroll-success.png"))

        page.fill("#employee-id", "PAGE-OTHER")
        page.fill("#employee-name", "Someone Else")
        page.set_input_files("#photo-file", str(CACHE / "obama3.jpg"))
        page.click("#submit")
        wait_for(page, "document.querySelector('#outcome').dataset.state === 'error'", 60)
        outcome = page.inner_text("#outcome")
        page.screenshot(path=str(output_dir / "enroll-duplicate.png"))
        assert "already enrolled" in outcome and ENROLLED[0] in outcome
        assert stack.admin_key not in page.content()

    assert api(stack, "GET", "/api/v1/employees/PAGE-BIDEN").status_code == 200
    assert api(stack, "GET", "/api/v1/employees/PAGE-OTHER").status_code == 404


def sign_in_to_enroll(page, url, key):
    page.goto(f"{url}/enroll")
    page.fill("#admin-key", key)
    page.click("#key-submit")
    page.wait_for_selector("#enroll-form", state="visible")


def test_enroll_page_shows_the_face_it_enrolled_from_a_busy_photo(
    stack, enrolled, photos, tmp_path, output_dir
):
    # Biden large at the left, Obama (already enrolled) small at the top right: Biden's face
    # is enrolled, Obama's left out; the page draws the box of the face used.
    busy = tmp_path / "busy.jpg"
    busy.write_bytes(busy_photo(photos["biden.jpg"], photos["obama.jpg"], 0.2))
    camera = write_y4m(None, tmp_path / "blank.y4m")
    with browser_page(camera) as page:
        sign_in_to_enroll(page, stack.url, stack.admin_key)
        page.fill("#employee-id", "PAGE-BIDEN")
        page.fill("#employee-name", "Joe Biden")
        page.set_input_files("#photo-file", str(busy))
        page.click("#submit")
        wait_for(page, "document.querySelector('#outcome').dataset.state === 'success'", 60)
        wait_for(page, "document.querySelector('#used-faces .face-box[data-placed]') !== null", 30)
        page.screenshot(path=str(output_dir / "enroll-busy-photo.png"), full_page=True)
        x, y, w, h = map(int, page.get_attribute("#used-faces .face-box", "data-box").split(","))
        assert x < 1000 and w > 200  # Biden's face, in the left part of the 1600 px photo
        assert "1 other face" in page.inner_text("#used-faces figcaption")
        # drawn where the face is: the box's place on screen is the photo's, scaled
        shown = page.evaluate(
            """() => {
              const image = document.querySelector('#used-faces img');
              const box = document.querySelector('#used-faces .face-box');
              const i = image.getBoundingClientRect(), b = box.getBoundingClientRect();
              const scale = i.width / image.naturalWidth;
              return [(b.left - i.left) / scale, (b.top - i.top) / scale, b.width / scale];
            }"""
        )
        assert shown == pytest.approx([x, y, w], abs=4)


def test_enroll_page_takes_up_to_three_photos_of_one_person(stack, enrolled, tmp_path, output_dir):
    camera = write_y4m(None, tmp_path / "blank.y4m")
    with browser_page(camera) as page:
        sign_in_to_enroll(page, stack.url, stack.admin_key)
        assert "Photo 1 of 3" in page.inner_text("#shot-hint")
        assert "three photos" in page.inner_text("#why-three").lower()
        names = ["obama2.jpg", "obama3.jpg", "obama_partial_face.jpg", "biden.jpg"]
        page.set_input_files("#photo-file", [str(CACHE / n) for n in names])
        assert page.evaluate("window.facegate.shots") == 3  # the fourth is refused
        assert "at most 3" in page.inner_text("#photo-error")
        page.click("#shots li:nth-child(3) button")  # remove one again
        assert page.evaluate("window.facegate.shots") == 2
        page.fill("#employee-id", ENROLLED[0])
        page.fill("#employee-name", ENROLLED[1])
        page.screenshot(path=str(output_dir / "enroll-three-photos.png"))
        page.click("#submit")
        wait_for(page, "document.querySelector('#outcome').dataset.state === 'success'", 60)
        assert "with 2 of 2 photos" in page.inner_text("#outcome")
        assert page.evaluate("window.facegate.insertRequests") == 2
    faces = api(stack, "GET", f"/api/v1/employees/{ENROLLED[0]}").json()["faces"]
    assert len(faces) == 3


def test_enroll_page_shows_a_look_alike_and_lets_hr_decide(
    stack, enrolled, cautious_backend, tmp_path, output_dir
):
    camera = write_y4m(None, tmp_path / "blank.y4m")
    with browser_page(camera) as page:
        sign_in_to_enroll(page, cautious_backend, stack.admin_key)
        for employee_id, decision in (("PAGE-TWIN2", "#cancel-distinct"), ("PAGE-TWIN", None)):
            page.fill("#employee-id", employee_id)
            page.fill("#employee-name", "Look Alike")
            page.set_input_files("#photo-file", str(CACHE / "obama_partial_face2.jpg"))
            page.click("#submit")
            page.wait_for_selector("#compare", state="visible", timeout=60_000)
            assert ENROLLED[0] in page.inner_text("#compare-text")
            # both photos shown: this one, and the enrolled look-alike's through the backend
            wait_for(page, "document.querySelector('#compare-enrolled').naturalWidth > 0", 30)
            wait_for(page, "document.querySelector('#compare-new').naturalWidth > 0", 30)
            if decision:
                page.click(decision)
                wait_for(page, "document.querySelector('#outcome').dataset.state === 'error'")
                assert "cancelled" in page.inner_text("#outcome")
                page.click("#shots li:nth-child(1) button")
                continue
            page.screenshot(path=str(output_dir / "enroll-possible-duplicate.png"))
            page.click("#confirm-distinct")
            wait_for(page, "document.querySelector('#outcome').dataset.state === 'success'", 60)
            assert "Enrolled Look Alike (PAGE-TWIN)" in page.inner_text("#outcome")
    assert api(stack, "GET", "/api/v1/employees/PAGE-TWIN2").status_code == 404
    [face] = api(stack, "GET", "/api/v1/employees/PAGE-TWIN").json()["faces"]
    assert face["confirmed_distinct_from"] == ENROLLED[0]


def test_pages_and_scripts_carry_no_key(stack):
    modules = sorted((REPO_ROOT / "static" / "js").rglob("*.js"))
    assert modules
    sources = ["/checkin", "/enroll"] + ["/" + m.relative_to(REPO_ROOT).as_posix() for m in modules]
    for path in sources:
        answer = httpx.get(stack.url + path)
        assert answer.status_code == 200, path
        assert "fgk_" not in answer.text and stack.kiosk_key not in answer.text
    page = httpx.get(stack.url + "/checkin")
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_checkin_page_says_already_checked_in_for_a_repeat(
    stack, enrolled, photos, tmp_path, output_dir
):
    """Within the repeat window the second answer folds into the first check-in."""

    def checked_in_at():
        params = {"employee_id": ENROLLED[0], "limit": 500}
        items = api(stack, "GET", "/api/v1/checkins", params=params).json()["items"]
        return sorted(datetime.fromisoformat(row["checked_in_at"]) for row in items)

    before = checked_in_at()
    camera = write_y4m(photos["obama2.jpg"], tmp_path / "feed.y4m")
    with browser_page(camera) as page:
        page.goto(f"{stack.url}/checkin?cooldown=300")
        page.fill("#kiosk-key", stack.kiosk_key)
        page.click("#save-key")
        wait_for(
            page,
            "document.querySelector('#result-message').textContent"
            ".startsWith('Already checked in at')",
            90,
        )
        assert page.inner_text("#result-name") == ENROLLED[1]
        page.screenshot(path=str(output_dir / "checkin-repeat.png"))
        wait_for(page, "window.facegate.searchRequests >= 3", 90)  # more repeats
    # Repeats wrote no row: one person's rows are a window apart at least. (Not a count: on a
    # slow machine the window of the first test's check-in, or of this one's, may pass while
    # the page is still answering, and then a new row is right.)
    rows = checked_in_at()
    assert rows[: len(before)] == before
    gaps = [later - earlier for earlier, later in zip(rows, rows[1:])]
    assert all(gap >= REPEAT_WINDOW for gap in gaps), gaps


def test_checkin_page_takes_its_key_from_the_address_fragment(stack, enrolled, tmp_path):
    camera = write_y4m(None, tmp_path / "blank.y4m")
    with browser_page(camera) as page:
        page.goto(f"{stack.url}/checkin#key={stack.kiosk_key}")
        # the key's name and its site (the default one)
        wait_for(
            page,
            "document.querySelector('#kiosk-name').textContent === 'kiosk-e2e · Main office'",
            60,
        )
        assert page.evaluate("localStorage.getItem('facegate.kioskKey')") == stack.kiosk_key
        assert "key=" not in page.url
