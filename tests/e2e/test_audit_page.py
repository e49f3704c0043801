"""The Audit log view of /admin in real Chromium, on a backend of its own: HR sees who
enrolled and looked at whom, filters, downloads the CSV, checks the chain; after a superuser
edits a row in PostgreSQL, the check names it. Screenshots in tests/output/."""

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from backend.infrastructure.database import make_engine
from tests.backends import Stack, fresh_env, running_backend
from tests.e2e.browser import browser_page, wait_for
from tests.e2e.test_admin_page import sign_in, tab

pytestmark = pytest.mark.browser
PERSON = "AUDIT-OBAMA"


@pytest.fixture(scope="module")
def audited(postgres, s3, embedder_url, session_dir, photos) -> Iterator[Stack]:
    """A backend whose log holds an enrollment, a look at the photo and a new kiosk key."""
    env = fresh_env(postgres, s3, embedder_url, session_dir, "audit")
    with running_backend(env, session_dir / "audit-backend.log", "audit") as stack:
        headers = {"X-API-Key": stack.admin_key}
        enrolled = httpx.post(
            stack.url + "/api/v1/employees/insert",
            headers=headers,
            data={"employee_id": PERSON, "employee_name": "Barack Obama"},
            files={"image": ("obama.jpg", photos["obama.jpg"])},
            timeout=60,
        )
        assert enrolled.status_code == 201, enrolled.text
        assert httpx.get(stack.url + enrolled.json()["image_url"], headers=headers).is_success
        made = httpx.post(
            stack.url + "/api/v1/keys", headers=headers, json={"name": "lobby", "role": "kiosk"}
        )
        assert made.status_code == 201
        yield stack


def rows(page) -> list[list[str]]:
    return page.evaluate(
        "Array.from(document.querySelectorAll('#audit-table tbody tr'))"
        ".map(tr => Array.from(tr.children).map(td => td.textContent))"
    )


def shown(page, before: int) -> None:
    wait_for(page, f"(window.facegate.loaded['audit-entries'] || 0) > {before}")


def loads(page, name: str) -> int:
    return int(page.evaluate(f"window.facegate.loaded['{name}'] || 0"))


def test_hr_reads_filters_exports_and_checks_the_audit_log(audited, output_dir):
    with browser_page(None) as page:
        page.set_viewport_size({"width": 1280, "height": 860})
        complaints: list[str] = []
        page.on("console", lambda m: complaints.append(m.text) if m.type == "error" else None)
        sign_in(page, audited)
        tab(page, "audit")
        actions = [(r[2], r[3], r[4]) for r in rows(page)]
        admin = "admin-audit"
        assert (admin, "employee.enrolled", f"employee {PERSON}") in actions
        assert (admin, "photo.viewed", f"employee {PERSON}") in actions
        assert (admin, "key.created", "api_key lobby") in actions
        assert actions[0][1] == "key.created"  # newest first
        page.screenshot(path=str(output_dir / "admin-audit.png"), full_page=True)

        before = loads(page, "audit-entries")
        page.select_option("#audit-action", "photo.")
        page.fill("#audit-subject", PERSON)
        page.click("#audit-apply")
        shown(page, before)
        assert [(r[3], r[4]) for r in rows(page)] == [("photo.viewed", f"employee {PERSON}")]

        with page.expect_download() as download:
            page.click("#audit-download")
        exported = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
        assert [e["action"] for e in exported] == ["photo.viewed"]
        assert exported[0]["actor_name"] == admin and len(exported[0]["hash"]) == 64

        before = loads(page, "audit-verdict")
        page.click("#audit-verify")
        wait_for(page, f"(window.facegate.loaded['audit-verdict'] || 0) > {before}")
        verdict = page.text_content("#audit-verdict") or ""
        assert verdict.startswith("Intact:"), verdict

        # A superuser edits the enrollment's row behind the application's back.
        engine = make_engine(audited.env["DATABASE_URL"], pool_size=1)
        try:
            with engine.begin() as db:
                db.execute(text("SET LOCAL session_replication_role = replica"))
                seq = db.execute(
                    text(
                        "UPDATE audit_log SET subject_id = 'SOMEONE-ELSE' "
                        "WHERE action = 'employee.enrolled' RETURNING seq"
                    )
                ).scalar_one()
        finally:
            engine.dispose()
        before = loads(page, "audit-verdict")
        page.click("#audit-verify")
        wait_for(page, f"(window.facegate.loaded['audit-verdict'] || 0) > {before}")
        verdict = page.text_content("#audit-verdict") or ""
        assert verdict.startswith("Tampered with:") and f"row {seq}:" in verdict, verdict
        assert page.get_attribute("#audit-verdict", "data-state") == "error"
        page.screenshot(path=str(output_dir / "admin-audit-tampered.png"), full_page=True)
        assert complaints == []
