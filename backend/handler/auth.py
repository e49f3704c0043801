"""X-API-Key authentication and role checks, as FastAPI dependencies."""

from collections.abc import Callable

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader

from backend.domain.app import Services
from backend.domain.model import ApiKey, Role
from backend.handler.context import services

# Declared as the schema's security scheme; the 401 is ours (auto_error off), in our body.
API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False)


def require(*roles: Role) -> Callable[..., object]:
    """A dependency that answers the caller's key, or raises 401/403."""
    allowed = set(roles)

    async def dependency(
        request: Request,
        # OpenAPI 3.1 lets an apiKey requirement list the roles it needs: the contract
        # shows them (and copies them into x-roles and the description).
        given: str | None = Security(API_KEY, scopes=[role.value for role in roles]),
        found: Services = Depends(services),
    ) -> ApiKey:
        key = await run_in_threadpool(found.keys.authenticate, given)
        found.keys.authorize(key, allowed)
        request.state.api_key_name = key.name
        return key

    return dependency


ADMIN = require(Role.ADMIN)
ANY_KEY = require(Role.ADMIN, Role.KIOSK)
