"""Who is calling: an X-API-Key, or HR's single sign-on session (a cookie, with the CSRF
token in a header for anything that changes state); role checks, as FastAPI dependencies."""

from collections.abc import Callable

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader

from backend.domain.app import Services
from backend.domain.errors import Forbidden
from backend.domain.model import ApiKey, Role, SignedInPerson
from backend.domain.ports.signin import SignedIn
from backend.domain.signin import ADMIN as ADMIN_ROLE
from backend.domain.signin import SignIn
from backend.handler.context import services

# Declared as the schema's security scheme; the 401 is ours (auto_error off), in our body.
API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False)
SESSION_COOKIE = "facegate_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def signed_in_name(person: SignedIn) -> str:
    """How records name a signed-in person: name, subject and issuer."""
    return f"{person.name} <{person.subject}@{person.issuer}>"


def _as_key(person: SignedIn) -> ApiKey:
    role = Role.ADMIN if ADMIN_ROLE in person.roles else Role.ENROLL
    who = SignedInPerson(person.subject, person.issuer, person.name)
    return ApiKey(signed_in_name(person), role, None, person=who)


def require(*roles: Role) -> Callable[..., object]:
    """A dependency that answers the caller's key (a session acts as an admin or enroll
    key), or raises 401/403."""
    allowed = set(roles)

    async def dependency(
        request: Request,
        # OpenAPI 3.1 lets an apiKey requirement list the roles it needs: the contract
        # shows them (and copies them into x-roles and the description).
        given: str | None = Security(API_KEY, scopes=[role.value for role in roles]),
        found: Services = Depends(services),
    ) -> ApiKey:
        cookie = request.cookies.get(SESSION_COOKIE)
        if given or found.sign_in is None or not cookie:
            key = await run_in_threadpool(found.keys.authenticate, given)
        else:
            person = await run_in_threadpool(found.sign_in.current, cookie)
            if request.method not in SAFE_METHODS and not SignIn.csrf_matches(
                person, request.headers.get(CSRF_HEADER)
            ):
                raise Forbidden(f"a signed-in page sends its {CSRF_HEADER} with every change")
            key = _as_key(person)
        found.keys.authorize(key, allowed)
        request.state.api_key_name = key.name
        return key

    return dependency


ADMIN = require(Role.ADMIN)
ANY_KEY = require(Role.ADMIN, Role.KIOSK)
# Any page's caller, to say who it is (/api/v1/auth/whoami).
ANYONE = require(Role.ADMIN, Role.KIOSK, Role.ENROLL)
# Enrollment: HR admins, and people of the enroll group (or enrollment-station keys).
ENROLLER = require(Role.ADMIN, Role.ENROLL)
