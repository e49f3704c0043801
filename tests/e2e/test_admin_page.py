"""HR's page in real Chromium against the real stack: people, today, kiosks, webhooks,
export and erasure; a screenshot of each view in tests/output/."""

from pathlib import Path

import httpx
import pytest

from facegate.samples import CACHE, frame
from tests.e2e.browser import browser_page, wait_for
from tests.e2e.test_checkin_api import bucket_keys

pytestmark = pytest.mark.browser
PERSON = "ADMIN-OBAMA"


def api(stack, method, path, key=None, **kwargs):
    return httpx.request(
        method,
        stack.url + path,
        headers={"X-API-Key": key or stack.admin_key},
        timeout=60,
        **kwargs,
    )


@pytest.fixture(scope="module")
def enrolled(stack, photos):
    """obama.jpg enrolled, one check-in of him and two strangers turned away."""
    created = api(
        stack,
        "POST",
        "/api/v1/employees/insert",
        data={"employee_id": PERSON, "employee_name": "Barack Obama", "department": "Office"},
        files={"image": ("obama.jpg", photos["obama.jpg"])},
    )
    assert created.status_code == 201, created.text
    for name in ("obama2.jpg", "biden.jpg", "biden.jpg"):
        api(
            stack,
            "POST",
            "/api/v1/employees/search",
            key=stack.kiosk_key,
            files={"image": ("f.jpg", frame(photos[name]))},
        )
    yield
    api(stack, "DELETE", f"/api/v1/employees/{PERSON}")


def sign_in(page, stack):
    page.goto(f"{stack.url}/admin")
    page.fill("#admin-key", stack.admin_key)
    page.click("#key-submit")
    page.wait_for_selector("#view-people", state="visible")


def tab(page, name):
    before = page.evaluate(f"window.facegate.loaded['{name}'] || 0")
    page.click(f"#tabs .tab[data-view='{name}']")
    wait_for(page, f"(window.facegate.loaded['{name}'] || 0) > {before}")


def faces_shown(page, count):
    return wait_for(
        page,
        "Array.from(document.querySelectorAll('#faces li.face img'))"
        f".filter(i => i.naturalWidth > 0).length === {count}",
        60,
    )


def test_admin_page_drives_people_today_kiosks_webhooks_export_and_erase(
    stack, enrolled, output_dir
):
    with browser_page(None) as page:
        page.set_viewport_size({"width": 1280, "height": 860})
        page.on("dialog", lambda dialog: dialog.accept())  # window.confirm on revoke/remove
        complaints: list[str] = []
        page.on("console", lambda m: complaints.append(m.text) if m.type == "error" else None)
        sign_in(page, stack)

        # People: search, then one person's view with the photo through the backend
        page.fill("#people-search", "admin-oba")
        wait_for(page, f"document.querySelector('[data-employee=\"{PERSON}\"]') !== null")
        page.screenshot(path=str(output_dir / "admin-people.png"))
        page.click(f"[data-employee='{PERSON}']")
        page.wait_for_selector("#person", state="visible")
        faces_shown(page, 1)

        # a second photo, from a file; then rename and change the department
        page.set_input_files("#add-file", str(CACHE / "obama3.jpg"))
        wait_for(page, "document.querySelector('#add-outcome').dataset.state === 'success'", 90)
        faces_shown(page, 2)
        page.fill("#person-name", "Barack H. Obama")
        page.fill("#person-department", "Leadership")
        page.click("#person-save")
        wait_for(page, "document.querySelector('#person-message').textContent === 'Saved.'")
        page.screenshot(path=str(output_dir / "admin-person.png"), full_page=True)
        person = api(stack, "GET", f"/api/v1/employees/{PERSON}").json()
        assert (person["name"], person["department"], len(person["faces"])) == (
            "Barack H. Obama",
            "Leadership",
            2,
        )

        # Today: who checked in, and the chart of strangers per hour
        tab(page, "today")
        present = page.inner_text("#present-table")
        assert "Barack H. Obama" in present and PERSON in present
        assert page.locator("#chart svg rect.bar").count() >= 1
        # the strangers of the day, counted by the API (other tests on this stack add theirs)
        strangers = sum(api(stack, "GET", "/api/v1/attendance/unknown").json()["hours"])
        assert strangers >= 2  # this test's own two
        assert page.inner_text("#chart-title").endswith(f": {strangers} today")
        page.screenshot(path=str(output_dir / "admin-today.png"), full_page=True)

        # Kiosks: a kiosk key, shown once with its QR code, that works at once
        tab(page, "kiosks")
        page.fill("#new-key-name", "lobby-tablet")
        page.click("#new-key-submit")
        page.wait_for_selector("#new-key", state="visible")
        new_key = page.input_value("#new-key-value")
        assert new_key.startswith("fgk_")
        assert page.locator("#new-key-qr svg path").count() == 1
        wait_for(page, "document.querySelector('#keys-table').textContent.includes('lobby-tablet')")
        page.screenshot(path=str(output_dir / "admin-kiosks.png"), full_page=True)
        who = api(stack, "GET", "/api/v1/auth/whoami", key=new_key).json()
        assert (who["name"], who["role"], who["liveness"]) == ("lobby-tablet", "kiosk", "off")
        assert who["direction"] == "both"
        page.click("#new-key-done")
        page.click("button[aria-label='Revoke lobby-tablet']")
        wait_for(page, "document.querySelector('#notice').textContent.includes('Revoked')")
        assert api(stack, "GET", "/api/v1/auth/whoami", key=new_key).status_code == 401
        page.select_option("#new-key-role", "admin")
        assert page.is_visible("#admin-warning")

        # Webhooks: register one, see its secret once and its (empty) deliveries
        tab(page, "webhooks")
        page.fill("#hook-url", "http://127.0.0.1:9/payroll")
        page.click("#hook-submit")
        page.wait_for_selector("#new-hook", state="visible")
        assert page.input_value("#new-hook-secret").startswith("whsec_")
        page.click("#hooks-table button:has-text('Deliveries')")
        page.wait_for_selector("#deliveries", state="visible")
        page.screenshot(path=str(output_dir / "admin-webhooks.png"), full_page=True)
        page.click("#hooks-table button:has-text('Delete')")
        wait_for(page, "!document.querySelector('#hooks-empty').hidden")

        # Export: one click, a CSV for the range
        tab(page, "export")
        with page.expect_download() as download:
            page.click("#export-submit")
        csv_text = Path(download.value.path()).read_text()
        assert csv_text.startswith("checkin_id,checked_in_at,employee_id")
        assert PERSON in csv_text
        page.screenshot(path=str(output_dir / "admin-export.png"))

        # Erase: the confirmation says what goes; then rows and photos are gone
        tab(page, "people")
        page.fill("#people-search", PERSON)
        wait_for(page, f"document.querySelector('[data-employee=\"{PERSON}\"]') !== null")
        page.click(f"[data-employee='{PERSON}']")
        page.wait_for_selector("#person", state="visible")
        assert bucket_keys(stack, f"employees/{PERSON}/") != []
        page.click("#person-erase")
        page.wait_for_selector("#erase-dialog[open]")
        said = page.inner_text("#erase-dialog")
        assert "2 enrolled photos" in said and "1 check-in record" in said
        page.screenshot(path=str(output_dir / "admin-erase.png"))
        page.click("#erase-confirm")
        wait_for(page, "document.querySelector('#notice').textContent.includes('Erased')")
        page.screenshot(path=str(output_dir / "admin-erased.png"))
        assert stack.admin_key not in page.content()
        # everything the page needs is served by the backend under its strict CSP
        assert not [c for c in complaints if "Content Security Policy" in c], complaints

    assert api(stack, "GET", f"/api/v1/employees/{PERSON}").status_code == 404
    assert bucket_keys(stack, f"employees/{PERSON}/") == []
    rows = api(stack, "GET", "/api/v1/checkins", params={"employee_id": PERSON}).json()
    assert rows["total"] == 0


def test_admin_page_source_carries_no_key(stack):
    for path in ("/admin", "/static/js/admin/main.js", "/static/js/sign-in.js"):
        answer = httpx.get(stack.url + path)
        assert answer.status_code == 200, path
        assert "fgk_" not in answer.text and stack.admin_key not in answer.text
    page = httpx.get(stack.url + "/admin")
    assert "script-src 'self'" in page.headers["content-security-policy"]
