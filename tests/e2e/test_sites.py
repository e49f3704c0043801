"""Several offices on the running stack with the real embedder and photos: two sites in
two time zones, kiosks "in" and "out" at one and "both" at the other, a person allowed at
one site only, the hours report; and /admin's Sites tab and period report in Chromium
(screenshots in tests/output/)."""

from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest

from facegate.children import start_backend
from facegate.processes import free_port
from facegate.samples import frame
from tests.e2e.browser import browser_page, wait_for
from tests.e2e.test_admin_page import sign_in, tab

PERSON = "SITES-OBAMA"


@pytest.fixture(scope="module")
def backend(stack, session_dir) -> Iterator[str]:
    """A backend on the same stack with no repeat window, so that one person's in and out
    follow each other within a test."""
    port = free_port()
    env = {**stack.env, "CHECKIN_REPEAT_SECONDS": "0"}
    running = start_backend(port, env, session_dir / f"sites-{port}.log")
    yield f"http://127.0.0.1:{port}"
    running.stop()


def call(url, key, method, path, **kwargs) -> httpx.Response:
    return httpx.request(method, url + path, headers={"X-API-Key": key}, timeout=60, **kwargs)


@pytest.fixture(scope="module")
def offices(stack, backend, photos):
    """Paris (in and out kiosks) and Tokyo (one "both" door); Obama allowed at Paris only."""
    admin = stack.admin_key
    made = {}
    for name, zone in (("E2E Paris", "Europe/Paris"), ("E2E Tokyo", "Asia/Tokyo")):
        site = call(
            backend,
            admin,
            "POST",
            "/api/v1/sites",
            json={"name": name, "timezone": zone, "day_start_hour": 4, "expected_start": "09:00"},
        )
        assert site.status_code == 201, site.text
        made[name] = site.json()["site_id"]
    keys = {}
    for key_name, at, direction in (
        ("e2e-paris-in", "E2E Paris", "in"),
        ("e2e-paris-out", "E2E Paris", "out"),
        ("e2e-tokyo-door", "E2E Tokyo", "both"),
    ):
        created = call(
            backend,
            admin,
            "POST",
            "/api/v1/keys",
            json={"name": key_name, "role": "kiosk", "site_id": made[at], "direction": direction},
        )
        assert created.status_code == 201, created.text
        keys[key_name] = created.json()["key"]
    enrolled = call(
        backend,
        admin,
        "POST",
        "/api/v1/employees/insert",
        data={"employee_id": PERSON, "employee_name": "Barack Obama"},
        files={"image": ("obama.jpg", photos["obama.jpg"])},
    )
    assert enrolled.status_code == 201, enrolled.text
    allowed = call(
        backend,
        admin,
        "PUT",
        f"/api/v1/employees/{PERSON}/sites",
        json={"sites": [made["E2E Paris"]]},
    )
    assert allowed.json() == {
        "employee_id": PERSON,
        "all_sites": False,
        "sites": [made["E2E Paris"]],
    }
    yield made, keys
    call(backend, admin, "DELETE", f"/api/v1/employees/{PERSON}")


def search(url, key, photo) -> dict:
    answer = call(
        url, key, "POST", "/api/v1/employees/search", files={"image": ("f.jpg", frame(photo))}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def not_allowed_today(stack) -> int:
    unknown = call(stack.url, stack.admin_key, "GET", "/api/v1/attendance/unknown").json()
    return sum(unknown["not_allowed"])


def test_two_sites_their_kiosks_and_who_may_check_in_where(stack, backend, offices, photos):
    made, keys = offices
    who = call(backend, keys["e2e-tokyo-door"], "GET", "/api/v1/auth/whoami").json()
    assert (who["site_name"], who["direction"]) == ("E2E Tokyo", "both")

    before = not_allowed_today(stack)
    away = search(backend, keys["e2e-tokyo-door"], photos["obama2.jpg"])
    assert away == {"matched": False, "employee_name": "Unknown", "reason": "no_match"}
    assert not_allowed_today(stack) == before + 1  # HR is told, the kiosk is not

    came = search(backend, keys["e2e-paris-in"], photos["obama2.jpg"])
    left = search(backend, keys["e2e-paris-out"], photos["obama3.jpg"])
    assert (came["matched"], came["site_name"], came["direction"]) == (True, "E2E Paris", "in")
    assert (left["matched"], left["site_id"], left["direction"]) == (True, made["E2E Paris"], "out")

    call(backend, stack.admin_key, "PUT", f"/api/v1/employees/{PERSON}/sites", json={"sites": None})
    door = [search(backend, keys["e2e-tokyo-door"], photos["obama2.jpg"]) for _ in range(3)]
    assert [(d["matched"], d["direction"]) for d in door] == [
        (True, "in"),
        (True, "out"),
        (True, "in"),
    ]
    assert {d["site_name"] for d in door} == {"E2E Tokyo"}

    # Today and the report, by site
    paris = made["E2E Paris"]
    daily = call(
        backend, stack.admin_key, "GET", f"/api/v1/attendance/daily?site_id={paris}"
    ).json()
    assert daily["timezone"] == "Europe/Paris"
    assert [e["employee_id"] for e in daily["employees"]] == [PERSON]
    # to tomorrow: a site east of UTC may be on tomorrow's date already
    day = (date.today() + timedelta(days=1)).isoformat()
    month_ago = (date.today() - timedelta(days=30)).isoformat()
    report = call(
        backend,
        stack.admin_key,
        "GET",
        f"/api/v1/reports/hours?from={month_ago}&to={day}&site_id={paris}&format=csv",
    )
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    lines = report.text.splitlines()
    assert lines[0].startswith("kind,employee_id,employee_name,working_day")
    ours = [line for line in lines if f",{PERSON}," in line]
    assert [line.split(",")[0] for line in ours][-1] == "total"
    assert (
        call(
            backend, stack.admin_key, "GET", "/api/v1/reports/hours?from=2026-02-01&to=2026-01-01"
        ).json()["error"]["code"]
        == "validation_error"
    )


@pytest.mark.browser
def test_admin_sites_tab_and_period_report(stack, backend, offices, output_dir, photos):
    made, keys = offices
    search(backend, keys["e2e-paris-in"], photos["obama2.jpg"])  # a check-in for the report
    with browser_page(None) as page:
        page.set_viewport_size({"width": 1280, "height": 900})
        complaints: list[str] = []
        page.on("console", lambda m: complaints.append(m.text) if m.type == "error" else None)
        sign_in(page, stack)
        tab(page, "sites")
        table = page.inner_text("#sites-table")
        assert "E2E Paris" in table and "Asia/Tokyo" in table
        assert "e2e-tokyo-door (both)" in table
        page.fill("#site-name", "E2E Lyon")
        page.fill("#site-timezone", "Europe/Paris")
        page.fill("#site-day-start", "5")
        page.fill("#site-expected", "08:30")
        page.click("#site-submit")
        wait_for(page, "document.querySelector('#sites-table').textContent.includes('E2E Lyon')")
        page.screenshot(path=str(output_dir / "admin-sites.png"), full_page=True)
        bad = page.fill("#site-name", "E2E Mars") or page.fill("#site-timezone", "Mars/Olympus")
        assert bad is None
        page.click("#site-submit")
        wait_for(page, "document.querySelector('#site-message').dataset.state === 'error'")

        page.fill("#report-from", (date.today() - timedelta(days=30)).isoformat())
        page.fill("#report-to", (date.today() + timedelta(days=1)).isoformat())
        page.select_option("#report-site", str(made["E2E Paris"]))
        page.click("#report-show")
        wait_for(page, "document.querySelector('#report-message').dataset.state === 'success'")
        report = page.inner_text("#report-table")
        assert "Barack Obama" in report and "E2E Paris" in report
        page.screenshot(path=str(output_dir / "admin-hours-report.png"), full_page=True)
        sites = call(stack.url, stack.admin_key, "GET", "/api/v1/sites").json()["items"]
        lyon = next(s for s in sites if s["name"] == "E2E Lyon")
        assert (lyon["timezone"], lyon["day_start_hour"], lyon["expected_start"]) == (
            "Europe/Paris",
            5,
            "08:30",
        )
        # one person's sites: Paris only, on the person's view
        tab(page, "people")
        page.fill("#people-search", PERSON.lower())
        page.click(f"[data-employee='{PERSON}']")
        page.wait_for_selector("#person-sites", state="visible")
        wait_for(page, "document.querySelectorAll('#person-site-list input').length >= 3")
        if page.is_checked("#person-all-sites"):
            page.click("#person-all-sites")
        for box in page.query_selector_all("#person-site-list input"):
            wanted = box.get_attribute("data-site") == "E2E Paris"
            if box.is_checked() != wanted:
                box.click()
        page.click("#person-sites-save")
        wait_for(
            page, "document.querySelector('#person-sites-message').dataset.state === 'success'"
        )
        page.screenshot(path=str(output_dir / "admin-person-sites.png"), full_page=True)
        allowed = call(stack.url, stack.admin_key, "GET", f"/api/v1/employees/{PERSON}/sites")
        assert allowed.json()["sites"] == [made["E2E Paris"]]

        # the refused Mars site is the one failed request (the browser logs its 422)
        assert [c for c in complaints if "status of 422" not in c] == []
