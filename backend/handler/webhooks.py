"""The webhook API: register (secret shown once), list, delete, see deliveries."""

from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from backend.domain.events import EVENTS
from backend.domain.model import ApiKey, Delivery, Webhook
from backend.handler.auth import ADMIN
from backend.handler.context import Services, services
from backend.handler.openapi import API_ERRORS, errors

router = APIRouter(prefix="/api/v1", responses=API_ERRORS)


class NewWebhook(BaseModel):
    url: str
    events: list[str] = list(EVENTS)


@router.post("/webhooks", status_code=201)
async def register(
    new: NewWebhook, _: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> dict[str, Any]:
    """Register a receiver; the signing secret is in this answer only."""
    hook, secret = await run_in_threadpool(found.webhooks.register, new.url, new.events)
    return {**_webhook(hook), "secret": secret}


@router.get("/webhooks")
async def list_webhooks(_: ApiKey = Depends(ADMIN), found: Services = Depends(services)) -> Any:
    hooks = await run_in_threadpool(found.webhooks.list)
    return {"items": [_webhook(h) for h in hooks], "events": list(EVENTS)}


@router.delete("/webhooks/{webhook_id}", status_code=204, responses=errors(404))
async def delete_webhook(
    webhook_id: int, _: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> Response:
    await run_in_threadpool(found.webhooks.delete, webhook_id)
    return Response(status_code=204)


@router.get("/webhooks/{webhook_id}/deliveries", responses=errors(404))
async def deliveries(
    webhook_id: int,
    limit: int = Query(50, ge=1, le=500),
    _: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """The newest deliveries first, with attempts and the last error."""
    items = await run_in_threadpool(found.webhooks.deliveries, webhook_id, limit)
    return {"items": [_delivery(d) for d in items]}


def _when(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def _webhook(hook: Webhook) -> dict[str, Any]:
    return {
        "webhook_id": hook.webhook_id,
        "url": hook.url,
        "events": list(hook.events),
        "created_at": _when(hook.created_at),
    }


def _delivery(d: Delivery) -> dict[str, Any]:
    return {
        "delivery_id": d.delivery_id,
        "event_id": d.event_id,
        "event": d.event,
        "state": d.state,
        "attempts": d.attempts,
        "created_at": _when(d.created_at),
        "next_attempt_at": _when(d.next_attempt_at) if d.state == "pending" else None,
        "delivered_at": _when(d.delivered_at),
        "last_status": d.last_status,
        "last_error": d.last_error,
    }
