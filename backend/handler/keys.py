"""The API-key API for HR's page: list, create (shown once), revoke."""

from typing import Any

from fastapi import APIRouter, Depends, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from backend.domain.model import ApiKey, Role
from backend.handler.auth import ADMIN
from backend.handler.context import Services, services
from backend.handler.openapi import API_ERRORS, errors

router = APIRouter(prefix="/api/v1", responses=API_ERRORS)


class NewKey(BaseModel):
    name: str
    role: Role = Role.KIOSK


@router.get("/keys")
async def list_keys(_: ApiKey = Depends(ADMIN), found: Services = Depends(services)) -> Any:
    """Every key (revoked ones too) with its dates; never a secret."""
    keys = await run_in_threadpool(found.keys.list)
    return {"items": [_key(k) for k in keys]}


@router.post("/keys", status_code=201, responses=errors(409))
async def create_key(
    new: NewKey, _: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> dict[str, Any]:
    """A new key; its plaintext is in this answer only."""
    key, plaintext = await run_in_threadpool(found.keys.create, new.name, new.role)
    return {**_key(key), "key": plaintext}


@router.delete("/keys/{name}", status_code=204, responses=errors(404))
async def revoke_key(
    name: str, _: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> Response:
    await run_in_threadpool(found.keys.revoke_or_fail, name)
    return Response(status_code=204)


def _key(key: ApiKey) -> dict[str, Any]:
    def when(moment: Any) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "name": key.name,
        "role": key.role.value,
        "created_at": when(key.created_at),
        "last_used_at": when(key.last_used_at),
        "revoked_at": when(key.revoked_at),
    }
