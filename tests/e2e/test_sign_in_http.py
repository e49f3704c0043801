"""Single sign-on over HTTP against a real OpenID provider process: the whole code flow
with PKCE, roles from the groups claim, refusals that create nothing, CSRF, logout and
the idle timeout, all on the running backend and its PostgreSQL."""

import re
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import create_engine, text

from backend.infrastructure.database import sqlalchemy_url
from facegate.samples import frame
from tests.backends import Stack
from tests.e2e.oidc import SSO_IDLE_SECONDS, wait_until_idle


def count(stack: Stack, table: str) -> int:
    engine = create_engine(sqlalchemy_url(stack.env["DATABASE_URL"]))
    try:
        with engine.connect() as db:
            return int(db.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def sign_in_as(client: httpx.Client, subject: str) -> httpx.Response:
    """/auth/login, then the provider's form answered as `subject`, then the callback."""
    to_provider = client.get("/auth/login", params={"next": "/admin"})
    assert to_provider.status_code == 303
    authorize = to_provider.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    back = httpx.post(authorize, data={"sub": subject}, timeout=30)
    assert back.status_code == 302, back.text
    callback = back.headers["location"]
    assert callback.startswith(str(client.base_url) + "/auth/callback")
    return client.get(callback)


def session_of(client: httpx.Client) -> dict:
    return client.get("/auth/session").json()


def test_an_admin_signs_in_acts_with_the_csrf_token_and_signs_out(sso: str, stack: Stack) -> None:
    with httpx.Client(base_url=sso, timeout=30) as client:
        landed = sign_in_as(client, "alice")
        assert landed.status_code == 303 and landed.headers["location"] == "/admin"
        cookie = landed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
        me = session_of(client)
        assert (me["signed_in"], me["name"], me["subject"], me["roles"]) == (
            True,
            "Alice Admin",
            "alice",
            ["admin", "enroll"],
        )
        assert me["issuer"].rstrip("/") == client.get("/auth/session").json()["issuer"].rstrip("/")
        assert client.get("/api/v1/employees").status_code == 200
        who = client.get("/api/v1/auth/whoami").json()
        assert who["name"] == f"Alice Admin <alice@{me['issuer']}>" and who["role"] == "admin"
        # A change without the CSRF token is refused, with it it goes through.
        body = {"name": "door-sso", "role": "kiosk"}
        assert client.post("/api/v1/keys", json=body).status_code == 403
        made = client.post("/api/v1/keys", json=body, headers={"X-CSRF-Token": me["csrf_token"]})
        assert made.status_code == 201, made.text
        audit = httpx.get(
            stack.url + "/api/v1/audit",
            headers={"X-API-Key": stack.admin_key},
            params={"action": "key."},
            timeout=30,
        ).json()["items"]
        created = [e for e in audit if e["subject_id"] == "door-sso"]
        assert created and created[0]["actor"] == {
            "kind": "person",
            "id": f"alice@{me['issuer']}",
            "name": "Alice Admin",
        }
        assert client.post("/auth/logout").status_code == 403  # CSRF again
        assert (
            client.post("/auth/logout", headers={"X-CSRF-Token": me["csrf_token"]}).status_code
            == 204
        )
        assert session_of(client)["signed_in"] is False
        assert client.get("/api/v1/employees").status_code == 401


def test_an_enroller_may_enroll_but_not_administer(sso: str) -> None:
    with httpx.Client(base_url=sso, timeout=30) as client:
        assert sign_in_as(client, "erin").status_code == 303
        assert session_of(client)["roles"] == ["enroll"]
        assert client.get("/api/v1/auth/whoami").json()["role"] == "enroll"
        assert client.get("/api/v1/employees").status_code == 403


def test_no_allowed_group_gets_a_refusal_page_and_nothing_is_created(
    sso: str, stack: Stack
) -> None:
    sessions, employees = count(stack, "sign_in_session"), count(stack, "employee")
    with httpx.Client(base_url=sso, timeout=30) as client:
        refused = sign_in_as(client, "mallory")
        assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
        assert 'data-code="sign_in_no_allowed_group"' in refused.text.replace("'", '"')
        assert "set-cookie" not in refused.headers
        assert session_of(client)["signed_in"] is False
    assert (count(stack, "sign_in_session"), count(stack, "employee")) == (sessions, employees)


def test_a_wrong_state_and_a_used_code_are_refused(sso: str) -> None:
    with httpx.Client(base_url=sso, timeout=30) as client:
        authorize = client.get("/auth/login").headers["location"]
        callback = httpx.post(authorize, data={"sub": "alice"}, timeout=30).headers["location"]
        forged = re.sub(r"state=[^&]+", "state=forged", callback)
        wrong = client.get(forged)
        assert wrong.status_code == 403 and "sign_in_state_unknown" in wrong.text
        assert client.get(callback).status_code == 303  # the real one still works once
        again = client.get(callback)
        assert again.status_code == 403 and "sign_in_state_unknown" in again.text


def test_a_code_the_provider_does_not_honour_is_refused(sso: str) -> None:
    """An expired (or made-up) code: the provider's token endpoint says invalid_grant, and
    the page says so; no session."""
    with httpx.Client(base_url=sso, timeout=30) as client:
        authorize = client.get("/auth/login").headers["location"]
        state = parse_qs(urlsplit(authorize).query)["state"][0]
        refused = client.get("/auth/callback", params={"state": state, "code": "expired-code"})
        assert refused.status_code == 403, refused.text
        assert "sign_in_code_refused" in refused.text
        assert session_of(client)["signed_in"] is False


def test_a_denied_sign_in_is_refused(sso: str) -> None:
    with httpx.Client(base_url=sso, timeout=30) as client:
        authorize = client.get("/auth/login").headers["location"]
        back = httpx.post(authorize, data={"action": "deny"}, timeout=30)
        refused = client.get(back.headers["location"])
        assert refused.status_code == 403 and "sign_in_denied" in refused.text


def test_the_session_ends_after_idle_time(sso: str, stack: Stack) -> None:
    with httpx.Client(base_url=sso, timeout=30) as client:
        sign_in_as(client, "alice")
        assert session_of(client)["signed_in"] is True
        wait_until_idle(stack.env["DATABASE_URL"], SSO_IDLE_SECONDS)
        assert client.get("/api/v1/employees").status_code == 401
        assert session_of(client)["signed_in"] is False


def test_a_dispute_records_the_signed_in_person(sso: str, stack: Stack, photos) -> None:
    """HR signed in with the company account disputes a check-in: the record names them
    (name, subject, issuer), not a shared key."""
    try:
        enrolled = httpx.post(
            stack.url + "/api/v1/employees/insert",
            headers={"X-API-Key": stack.admin_key},
            data={"employee_id": "SSO-OBAMA", "employee_name": "Barack Obama"},
            files={"image": ("obama.jpg", photos["obama.jpg"])},
            timeout=120,
        )
        assert enrolled.status_code == 201, enrolled.text
        seen = httpx.post(
            stack.url + "/api/v1/employees/search",
            headers={"X-API-Key": stack.kiosk_key},
            files={"image": ("f.jpg", frame(photos["obama2.jpg"]))},
            timeout=120,
        ).json()
        assert seen["matched"] is True, seen
        with httpx.Client(base_url=sso, timeout=30) as client:
            sign_in_as(client, "alice")
            me = session_of(client)
            listed = client.get("/api/v1/checkins", params={"employee_id": "SSO-OBAMA"}).json()
            checkin = listed["items"][0]["checkin_id"]
            disputed = client.patch(
                f"/api/v1/checkins/{checkin}",
                json={"disputed": True, "reason": "a colleague's badge photo"},
                headers={"X-CSRF-Token": me["csrf_token"]},
            )
            assert disputed.status_code == 200, disputed.text
            assert disputed.json()["disputed_by"] == f"Alice Admin <alice@{me['issuer']}>"
    finally:
        # the shared stack's other tests enroll the same photos
        httpx.delete(
            stack.url + "/api/v1/employees/SSO-OBAMA",
            headers={"X-API-Key": stack.admin_key},
            timeout=60,
        )
