"""Single sign-on in real Chromium through a real OpenID provider process (oidc-provider-mock,
started by the tests): /admin refuses someone in no allowed group, lets HR's admin in, the
page works on the session (reads and a change with its CSRF token), and the session ends on
sign-out and after idle time."""

from typing import Any

import httpx
import pytest

from tests.backends import Stack
from tests.e2e.browser import browser_page, wait_for
from tests.e2e.oidc import SSO_IDLE_SECONDS, wait_until_idle

pytestmark = pytest.mark.browser


def company_sign_in(page: Any, sso: str, subject: str) -> None:
    """From /admin: the company-account link, then the provider's button for `subject`."""
    page.goto(f"{sso}/admin")
    page.wait_for_selector("#sso-sign-in", state="visible")
    assert page.is_hidden("#key-form")  # ADMIN_KEYS_ON_PAGES=false: no key form
    page.click("#sso-sign-in")
    page.click(f"button[name='sub'][value='{subject}']")
    page.wait_for_load_state()


def session_state(page: Any) -> Any:
    return page.evaluate(
        "fetch('/auth/session', {credentials: 'same-origin'}).then((r) => r.json())"
    )


def test_refused_without_the_group_admitted_with_it_ended_by_sign_out_and_idle_time(
    sso: str, stack: Stack
) -> None:
    with browser_page(None) as page:
        company_sign_in(page, sso, "mallory")
        assert page.text_content("h1") == "Sign-in refused"
        assert page.get_attribute("#refusal", "data-code") == "sign_in_no_allowed_group"
        assert session_state(page)["signed_in"] is False

        company_sign_in(page, sso, "alice")
        page.wait_for_selector("#signed-in:has-text('Alice Admin')")
        wait_for(page, "(window.facegate.loaded['people'] || 0) > 0")  # read on the session
        page.click("#tabs .tab[data-view='kiosks']")
        page.fill("#new-key-name", "lobby-sso")
        page.click("#new-key-submit")  # a change: the page sends its CSRF token
        page.wait_for_selector("#new-key:not([hidden])")
        keys = httpx.get(
            stack.url + "/api/v1/keys", headers={"X-API-Key": stack.admin_key}, timeout=30
        ).json()["items"]
        assert "lobby-sso" in [k["name"] for k in keys]

        page.click("#sign-out")
        page.wait_for_selector("#key-panel:not([hidden])")
        assert session_state(page)["signed_in"] is False
        page.goto(f"{sso}/admin")
        page.wait_for_selector("#sso-sign-in", state="visible")
        assert page.is_hidden("#app")

        company_sign_in(page, sso, "alice")
        page.wait_for_selector("#signed-in:has-text('Alice Admin')")
        wait_until_idle(stack.env["DATABASE_URL"], SSO_IDLE_SECONDS)
        page.reload()
        page.wait_for_selector("#sso-sign-in", state="visible")
        assert page.is_hidden("#app") and session_state(page)["signed_in"] is False
