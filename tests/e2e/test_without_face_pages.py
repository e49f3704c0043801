"""A way in without a face in real Chromium against the real stack: HR adds a person
without a photo on /admin, makes up their code and prints a QR code; the kiosk's keypad
checks them in with the code, and its camera (a fake one showing the printed QR code)
with the code; five wrong codes lock; a revoked QR code is refused; /admin shows the
method. Screenshots in tests/output/."""

import re

import httpx
import pytest

from tests.e2e.browser import browser_page, wait_for, write_y4m
from tests.e2e.qr_frames import printed_qr_frame

pytestmark = pytest.mark.browser
HR_PERSON = ("NOBIO-HR", "Hana Nobio")
PIN_PERSON = ("70417", "Pia Keypad")  # digits only: typed on the kiosk's keys alone
QR_PERSON = ("NOBIO-QR", "Quinn Code")


def api(stack, method, path, key=None, **kwargs):
    headers = {"X-API-Key": key or stack.admin_key}
    return httpx.request(method, stack.url + path, headers=headers, timeout=60, **kwargs)


@pytest.fixture(scope="module")
def erased_after(stack):
    yield
    for employee_id, _ in (HR_PERSON, PIN_PERSON, QR_PERSON):
        api(stack, "DELETE", f"/api/v1/employees/{employee_id}")


def kiosk(page, stack):
    page.goto(f"{stack.url}/checkin?cooldown=300")
    page.fill("#kiosk-key", stack.kiosk_key)
    page.click("#save-key")
    # running: the camera is open and the detector has looked (not just "Starting…")
    wait_for(page, "window.facegate.detections > 0", 60)


def state_is(page, state, timeout=60.0):
    wait_for(page, f"document.querySelector('#result').dataset.state === '{state}'", timeout)


def method_of_last_checkin(stack, employee_id):
    rows = api(stack, "GET", f"/api/v1/checkins?employee_id={employee_id}").json()["items"]
    return rows[-1]["method"] if rows else None


def test_hr_adds_a_person_without_a_photo_and_the_kiosk_reads_the_printed_qr(
    stack, erased_after, tmp_path, output_dir
):
    employee_id, name = HR_PERSON
    with browser_page(None) as page:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{stack.url}/admin")
        page.fill("#admin-key", stack.admin_key)
        page.click("#key-submit")
        page.wait_for_selector("#view-people", state="visible")
        page.click("#add-without-photo summary")
        page.fill("#nobio-id", employee_id)
        page.fill("#nobio-name", name)
        page.click("#nobio-add")
        page.wait_for_selector("#credentials", state="visible")
        assert page.get_attribute("#without-face", "data-biometrics") == "none"
        assert not page.is_visible("#photos-card")  # no photo is kept, none can be added
        page.click("#pin-make")
        wait_for(
            page, "document.querySelector('#without-face-message').textContent.includes('code')"
        )
        made_up = re.search(r"\b(\d{6})\b", page.inner_text("#without-face-message"))
        assert made_up, page.inner_text("#without-face-message")
        page.click("#qr-issue")
        page.wait_for_selector("#qr-print svg", state="visible")
        assert page.locator("#qr-list li [data-action='revoke']").count() == 1
        page.screenshot(path=str(output_dir / "admin-without-face.png"), full_page=True)
        printed = tmp_path / "printed-qr.png"
        page.locator("#qr-print").screenshot(path=str(printed))
    assert api(stack, "GET", f"/api/v1/employees/{employee_id}/pin").json()["has_pin"] is True

    # The kiosk's camera sees the printed card: the person is checked in by their QR code.
    camera = write_y4m(printed.read_bytes(), tmp_path / "qr.y4m")
    with browser_page(camera) as page:
        kiosk(page, stack)
        state_is(page, "matched")
        assert page.inner_text("#result-name") == name
        page.screenshot(path=str(output_dir / "checkin-qr.png"))
        assert page.evaluate("window.facegate.qrRequests") >= 1
    assert method_of_last_checkin(stack, employee_id) == "qr"

    # /admin shows the check-in with its method (no face to compare, by QR code).
    with browser_page(None) as page:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{stack.url}/admin")
        page.fill("#admin-key", stack.admin_key)
        page.click("#key-submit")
        page.click("#tabs .tab[data-view='today']")
        card = f"#evidence-list li[data-method='qr']:has-text('{employee_id}')"
        page.wait_for_selector(card, state="visible", timeout=30000)
        assert "QR code" in page.inner_text(card)
        page.screenshot(path=str(output_dir / "admin-checkin-method.png"), full_page=True)


def test_the_kiosk_keypad_checks_in_with_a_pin_and_five_wrong_ones_lock(
    stack, erased_after, tmp_path, output_dir
):
    employee_id, name = PIN_PERSON
    made = api(stack, "POST", "/api/v1/employees", json={"employee_id": employee_id, "name": name})
    assert made.status_code == 201, made.text
    assert api(
        stack, "PUT", f"/api/v1/employees/{employee_id}/pin", json={"pin": "402817"}
    ).is_success

    def type_code(page, pin):
        page.click("#code-open")
        state_is(page, "code")
        for digit in employee_id:
            page.click(f"#keypad-keys [data-key='{digit}']")
        page.click("#keypad-keys [data-key='ok']")
        for digit in pin:
            page.click(f"#keypad-keys [data-key='{digit}']")
        page.screenshot(path=str(output_dir / "checkin-keypad.png"))
        page.click("#keypad-keys [data-key='ok']")

    camera = write_y4m(None, tmp_path / "blank.y4m")
    with browser_page(camera) as page:
        kiosk(page, stack)
        type_code(page, "402817")
        state_is(page, "matched")
        assert page.inner_text("#result-name") == name
        assert page.input_value("#code-pin") == ""  # the code does not stay on screen
        assert method_of_last_checkin(stack, employee_id) == "pin"
        for _ in range(5):
            state_is(page, "scanning")
            type_code(page, "731902")
            state_is(page, "error")
            assert "Wrong ID or code" in page.inner_text("#result-message")
        state_is(page, "scanning")
        type_code(page, "402817")  # the right code, too late
        state_is(page, "error")
        assert "Too many wrong codes" in page.inner_text("#result-message")
        page.screenshot(path=str(output_dir / "checkin-pin-locked.png"))
    state = api(stack, "GET", f"/api/v1/employees/{employee_id}/pin").json()
    assert state["failures"] == 5 and state["locked_until"] is not None


def test_a_revoked_qr_code_is_refused_at_the_kiosk(stack, erased_after, tmp_path, output_dir):
    employee_id, name = QR_PERSON
    made = api(stack, "POST", "/api/v1/employees", json={"employee_id": employee_id, "name": name})
    assert made.status_code == 201, made.text
    issued = api(stack, "POST", f"/api/v1/employees/{employee_id}/qr-codes").json()
    camera = write_y4m(printed_qr_frame(issued["code"]), tmp_path / "qr.y4m")
    with browser_page(camera) as page:
        kiosk(page, stack)
        state_is(page, "matched")
        assert page.inner_text("#result-name") == name
    assert method_of_last_checkin(stack, employee_id) == "qr"
    token = issued["token_id"]
    assert (
        api(stack, "DELETE", f"/api/v1/employees/{employee_id}/qr-codes/{token}").status_code == 204
    )
    with browser_page(camera) as page:
        kiosk(page, stack)
        state_is(page, "error")
        assert "no longer valid" in page.inner_text("#result-message")
        page.screenshot(path=str(output_dir / "checkin-qr-revoked.png"))
