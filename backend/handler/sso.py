"""Single sign-on for /admin and /enroll: /auth/login sends HR to the identity provider,
/auth/callback comes back with a code and opens a session (a Secure, HttpOnly, SameSite
cookie), /auth/session tells the pages who is signed in (and the CSRF token they send),
/auth/logout ends it. A refused sign-in gets a page that says why, and creates nothing."""

import html
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from backend.domain.app import Services
from backend.domain.errors import SignInRefused, Unauthorized
from backend.domain.signin import SignIn, safe_next
from backend.handler.auth import CSRF_HEADER, SESSION_COOKIE
from backend.handler.context import services

router = APIRouter(prefix="/auth", include_in_schema=False)


def _sign_in(found: Services) -> SignIn:
    if found.sign_in is None:
        raise SignInRefused(
            "sign_in_not_configured", "Single sign-on is not set up on this facegate."
        )
    return found.sign_in


def refusal(error: SignInRefused, next_path: str = "/admin") -> HTMLResponse:
    """The page of a refused sign-in: what happened, and a way to start again."""
    again = html.escape(f"/auth/login?next={safe_next(next_path)}", quote=True)
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Sign-in refused - facegate</title><link rel='stylesheet' href='/static/style.css'>"
        f"</head><body><main class='card narrow'><h1>Sign-in refused</h1>"
        f"<p id='refusal' data-code='{html.escape(error.code, quote=True)}'>"
        f"{html.escape(error.message)}</p><p><a href='{again}'>Sign in again</a></p>"
        "</main></body></html>"
    )
    status = 503 if error.code == "sign_in_provider_unreachable" else 403
    return HTMLResponse(body, status_code=status)


@router.get("/login", name="sso_login")
async def login(
    request: Request, next: str = "/admin", found: Services = Depends(services)
) -> Response:
    try:
        use = _sign_in(found)
        callback = str(request.url_for("sso_callback"))
        url = await run_in_threadpool(use.begin, callback, next)
    except SignInRefused as error:
        return refusal(error, next)
    return RedirectResponse(url, status_code=303)


@router.get("/callback", name="sso_callback")
async def callback(
    request: Request,
    state: str = "",
    code: str = "",
    error: str = "",
    found: Services = Depends(services),
) -> Response:
    try:
        use = _sign_in(found)
        if error or not code:
            # Still take the state, so that it cannot be used again.
            refused = SignInRefused(
                "sign_in_denied",
                f"The identity provider did not sign you in ({error or 'no code'}).",
            )
            if state:
                await run_in_threadpool(use.abandon, state)
            raise refused
        token, _, next_path = await run_in_threadpool(
            use.finish, state, code, str(request.url_for("sso_callback"))
        )
    except SignInRefused as refused:
        return refusal(refused)
    answer = RedirectResponse(next_path, status_code=303)
    answer.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        secure=found_secure(request),
        samesite="lax",  # sent on the redirect back from the provider, never cross-site posts
        path="/",
    )
    return answer


def found_secure(request: Request) -> bool:
    """The cookie's Secure flag, from SESSION_COOKIE_SECURE."""
    return bool(getattr(request.app.state, "session_cookie_secure", True))


@router.get("/session")
async def session(request: Request, found: Services = Depends(services)) -> dict[str, Any]:
    """Who is signed in (with the CSRF token the page sends), or how one may sign in."""
    how = {"sso": found.sign_in is not None, "keys_on_pages": found.admin_keys_on_pages}
    cookie = request.cookies.get(SESSION_COOKIE)
    if found.sign_in is None or not cookie:
        return {"signed_in": False, **how}
    try:
        person = await run_in_threadpool(found.sign_in.current, cookie)
    except Unauthorized:
        return {"signed_in": False, **how}
    return {
        "signed_in": True,
        "name": person.name,
        "subject": person.subject,
        "issuer": person.issuer,
        "roles": sorted(person.roles),
        "csrf_token": person.csrf_token,
        **how,
    }


@router.post("/logout")
async def logout(request: Request, found: Services = Depends(services)) -> Response:
    """End the session (the page sends its CSRF token); the cookie goes too."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if found.sign_in is not None and cookie:
        try:
            person = await run_in_threadpool(found.sign_in.current, cookie)
        except Unauthorized:
            person = None
        if person is not None and not SignIn.csrf_matches(person, request.headers.get(CSRF_HEADER)):
            return JSONResponse(
                {
                    "error": {
                        "code": "forbidden",
                        "message": "the CSRF token is missing",
                        "details": {},
                    }
                },
                status_code=403,
            )
        await run_in_threadpool(found.sign_in.end, cookie)
    answer = Response(status_code=204)
    answer.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, secure=found_secure(request), samesite="lax"
    )
    return answer
