"""X-API-Key authentication and role checks, as FastAPI dependencies."""

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from backend.domain.model import ApiKey, Role
from backend.handler.context import Services, services


def require(*roles: Role) -> Callable[..., object]:
    """A dependency that answers the caller's key, or raises 401/403."""
    allowed = set(roles)

    async def dependency(request: Request, found: Services = Depends(services)) -> ApiKey:
        key = await run_in_threadpool(found.keys.authenticate, request.headers.get("x-api-key"))
        found.keys.authorize(key, allowed)
        request.state.api_key_name = key.name
        return key

    return dependency


ADMIN = require(Role.ADMIN)
ANY_KEY = require(Role.ADMIN, Role.KIOSK)
