"""The API-key API for HR's page: list, create (shown once), revoke."""

from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from backend.domain.app import Services
from backend.domain.audit import Actor
from backend.domain.errors import KeyNotFound, ValidationFailed
from backend.domain.model import ApiKey, Role
from backend.domain.site_model import DEFAULT_SITE_ID, Direction
from backend.handler import answers
from backend.handler.auth import ADMIN
from backend.handler.context import services
from backend.handler.idempotency import IDEMPOTENCY_KEY, REPLAY_HEADER, once
from backend.handler.openapi import API_ERRORS, errors

router = APIRouter(prefix="/api/v1", responses=API_ERRORS, tags=["keys"])


class NewKey(BaseModel):
    name: str = Field(min_length=1, max_length=64, description="printable; unique")
    role: Role = Role.KIOSK
    site_id: int = Field(DEFAULT_SITE_ID, ge=1, description="the kiosk's site")
    direction: Direction = Field(
        Direction.BOTH,
        description="in, out, or both (a single door: first of the working day in, then "
        "alternating)",
    )


@router.get("/keys", operation_id="listKeys", response_model=answers.KeyPage)
async def list_keys(
    limit: int = Query(500, ge=1, le=500),
    offset: int = Query(0, ge=0),
    _: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> Any:
    """Every key (revoked ones too) with its dates; never a secret."""
    keys = await run_in_threadpool(found.keys.list)
    return {
        "items": [_key(k) for k in keys[offset : offset + limit]],
        "total": len(keys),
        "limit": limit,
        "offset": offset,
    }


@router.post(
    "/keys",
    operation_id="createKey",
    status_code=201,
    response_model=answers.KeyCreated,
    responses={201: {"headers": REPLAY_HEADER}, **errors(404, 409)},
)
async def create_key(
    new: NewKey,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
    caller: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> answers.KeyCreated | JSONResponse:
    """A new key; its plaintext is in this answer only (and in the answer to a retry with
    the same Idempotency-Key, within 24 h)."""

    async def create() -> answers.KeyCreated:
        key, plaintext = await run_in_threadpool(
            partial(
                found.keys.create,
                new.name,
                new.role,
                new.site_id,
                new.direction,
                actor=Actor.of_key(caller),
            )
        )
        return answers.KeyCreated(**_key(key), key=plaintext)

    asked = {
        "name": new.name,
        "role": new.role.value,
        "site_id": new.site_id,
        "direction": new.direction.value,
    }
    return await once(found, caller.name, idempotency_key, "createKey", asked, 201, create)


@router.delete("/keys/{name}", operation_id="revokeKey", status_code=204, responses=errors(404))
async def revoke_key(
    name: str, caller: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> Response:
    """Revoke a key by name: it is refused from now on."""
    await run_in_threadpool(partial(found.keys.revoke_or_fail, name, actor=Actor.of_key(caller)))
    return Response(status_code=204)


class KeyChanges(BaseModel):
    """`liveness`: "challenge" makes the key's kiosk ask for a head turn; "off": one frame.
    `site_id` and `direction` move a kiosk (both together, or either with the other kept)."""

    liveness: Literal["off", "challenge"] | None = None
    site_id: int | None = Field(None, ge=1)
    direction: Direction | None = None


@router.patch(
    "/keys/{name}", operation_id="changeKey", response_model=answers.Key, responses=errors(404)
)
async def change_key(
    name: str,
    changes: KeyChanges,
    caller: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """Set a kiosk key's check-in mode (`{"liveness": "challenge"}` asks for a head turn),
    its site or its direction."""
    actor = Actor.of_key(caller)
    key = None
    if changes.liveness is not None:
        key = await run_in_threadpool(
            partial(found.keys.set_liveness, name, changes.liveness, actor=actor)
        )
    if changes.site_id is not None or changes.direction is not None:
        now = key or _live(await run_in_threadpool(found.keys.list), name)
        key = await run_in_threadpool(
            partial(
                found.keys.set_place,
                name,
                changes.site_id or now.site.site_id,
                changes.direction or now.direction,
                actor=actor,
            )
        )
    if key is None:
        raise ValidationFailed(
            "give liveness, site_id or direction", {"fields": {"liveness": "or site_id"}}
        )
    return _key(key)


def _live(keys: list[ApiKey], name: str) -> ApiKey:
    for key in keys:
        if key.name == name and key.revoked_at is None:
            return key
    raise KeyNotFound(f"no live key named {name}", {"name": name})


def _key(key: ApiKey) -> dict[str, Any]:
    def when(moment: Any) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "name": key.name,
        "role": key.role.value,
        "created_at": when(key.created_at),
        "last_used_at": when(key.last_used_at),
        "revoked_at": when(key.revoked_at),
        "liveness": key.liveness,
        "site_id": key.site.site_id,
        "site_name": key.site.name,
        "direction": key.direction.value,
    }
