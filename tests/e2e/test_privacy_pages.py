"""Consent on the pages in real Chromium against a backend that asks for it (the default):
/enroll takes no photo before the employee signed; signed, it enrolls; /admin shows the
consent, exports the person's data and records a withdrawal that destroys their face data."""

import io
import json
import zipfile

import httpx
import pytest

from facegate.samples import CACHE
from tests.e2e.browser import browser_page, wait_for, write_y4m
from tests.e2e.test_admin_page import tab

pytestmark = pytest.mark.browser
PERSON = ("CONSENT-BIDEN", "Joe Biden")


def api(stack, method, path, **kwargs):
    return httpx.request(
        method, stack.url + path, headers={"X-API-Key": stack.admin_key}, timeout=60, **kwargs
    )


def test_enroll_page_takes_the_signature_before_any_photo(consenting, tmp_path, output_dir):
    stack = consenting
    camera = write_y4m(None, tmp_path / "blank.y4m")
    with browser_page(camera) as page:
        page.goto(f"{stack.url}/enroll")
        page.fill("#admin-key", stack.admin_key)
        page.click("#key-submit")
        page.wait_for_selector("#enroll-form", state="visible")
        wait_for(page, "window.facegate.consent === 'required'")
        assert "Purpose" in page.inner_text("#consent-notice")
        assert not page.is_visible("#photos-card")  # no photo before the signature
        page.fill("#employee-id", PERSON[0])
        page.fill("#employee-name", PERSON[1])
        page.click("#submit")
        wait_for(page, "document.querySelector('#outcome').dataset.state === 'error'")
        assert "consent" in page.inner_text("#outcome").lower()
        page.screenshot(path=str(output_dir / "enroll-consent-required.png"), full_page=True)
        assert page.evaluate("window.facegate.insertRequests") == 0

        page.fill("#consent-signature", "Someone Else")
        page.click("#consent-agree")
        wait_for(page, "document.querySelector('#consent-message').dataset.state === 'error'")
        assert page.evaluate("window.facegate.consent") == "required"

        page.fill("#consent-signature", "joe biden")
        page.click("#consent-agree")
        wait_for(page, "window.facegate.consent === 'signed'")
        page.wait_for_selector("#photos-card", state="visible")
        page.set_input_files("#photo-file", str(CACHE / "biden.jpg"))
        page.click("#submit")
        wait_for(page, "document.querySelector('#outcome').dataset.state === 'success'", 60)
        assert f"Enrolled {PERSON[1]} ({PERSON[0]})" in page.inner_text("#outcome")
        page.screenshot(path=str(output_dir / "enroll-consent-signed.png"), full_page=True)
        assert stack.admin_key not in page.content()
    history = api(stack, "GET", f"/api/v1/employees/{PERSON[0]}/consent").json()["items"]
    assert [(h["decision"], h["method"], h["signature"]) for h in history] == [
        ("given", "signature", "joe biden")
    ]
    assert len(api(stack, "GET", f"/api/v1/employees/{PERSON[0]}").json()["faces"]) == 1


def test_admin_exports_the_person_and_records_a_withdrawal(consenting, tmp_path, output_dir):
    stack = consenting
    if api(stack, "GET", f"/api/v1/employees/{PERSON[0]}").status_code == 404:
        pytest.fail("runs after the enrollment test above, on the person it enrolled")
    with browser_page(None) as page:
        page.goto(f"{stack.url}/admin")
        page.fill("#admin-key", stack.admin_key)
        page.click("#key-submit")
        page.wait_for_selector("#view-people", state="visible")
        page.click(f"button[data-employee='{PERSON[0]}']")
        wait_for(page, "(window.facegate.loaded['person'] || 0) > 0", 30)
        wait_for(
            page, "document.querySelectorAll('#consent-history li[data-decision]').length === 1"
        )
        assert "signed" in page.inner_text("#consent-history")

        with page.expect_download() as download:
            page.click("#person-export")
        saved = tmp_path / "export.zip"
        download.value.save_as(saved)
        archive = zipfile.ZipFile(io.BytesIO(saved.read_bytes()))
        person = json.loads(archive.read("person.json"))
        assert person["employee"]["employee_id"] == PERSON[0]
        assert [c["decision"] for c in person["consents"]] == ["given"]
        assert any(name.startswith("photos/") for name in archive.namelist())

        page.select_option("#consent-decision", "withdrawn")
        page.fill("#consent-reference", "letter of 2 December")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#consent-record")
        wait_for(
            page, "document.querySelector('#consent-record-message').dataset.state === 'success'"
        )
        wait_for(page, "document.querySelectorAll('#faces li.face').length === 0")
        assert "No biometrics" in page.inner_text("#person-biometrics")
        page.screenshot(path=str(output_dir / "admin-consent-withdrawn.png"), full_page=True)

        tab(page, "privacy")
        assert "exempt" not in page.inner_text("#view-privacy").lower() or not page.is_visible(
            "#privacy-exempt"
        )
        assert "destroyed" in page.inner_text("#privacy-schedule")
        page.screenshot(path=str(output_dir / "admin-privacy.png"), full_page=True)
    details = api(stack, "GET", f"/api/v1/employees/{PERSON[0]}").json()
    assert details["faces"] == [] and details["biometrics"] == "none"


def test_the_privacy_page_is_public_and_reads_well(consenting, output_dir):
    with browser_page(None) as page:
        page.goto(f"{consenting.url}/privacy")  # no key anywhere
        assert "400 days" in page.inner_text("#schedule")
        assert "dpo@example.com" in page.inner_text("main")
        assert page.inner_text("#notice").strip()
        page.screenshot(path=str(output_dir / "privacy-page.png"), full_page=True)
