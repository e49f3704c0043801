"""The webhook API: register (secret shown once), list, delete, see deliveries."""

from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from backend.domain.app import Services
from backend.domain.audit import Actor
from backend.domain.events import EVENTS
from backend.domain.model import ApiKey
from backend.domain.webhook_model import Delivery, Webhook
from backend.handler import answers
from backend.handler.auth import ADMIN
from backend.handler.context import services
from backend.handler.idempotency import IDEMPOTENCY_KEY, REPLAY_HEADER, once
from backend.handler.openapi import API_ERRORS, errors

router = APIRouter(prefix="/api/v1", responses=API_ERRORS, tags=["webhooks"])


class NewWebhook(BaseModel):
    url: str = Field(max_length=2000, description="an http:// or https:// address")
    events: list[str] = Field(
        default=list(EVENTS), description="one or more of: " + ", ".join(EVENTS)
    )


@router.post(
    "/webhooks",
    operation_id="createWebhook",
    status_code=201,
    response_model=answers.WebhookCreated,
    responses={201: {"headers": REPLAY_HEADER}},
)
async def register(
    new: NewWebhook,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
    caller: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> answers.WebhookCreated | JSONResponse:
    """Register a receiver; the signing secret is in this answer only (and in the answer
    to a retry with the same Idempotency-Key, within 24 h)."""

    async def create() -> answers.WebhookCreated:
        hook, secret = await run_in_threadpool(
            partial(found.webhooks.register, new.url, new.events, actor=Actor.of_key(caller))
        )
        return answers.WebhookCreated(**_webhook(hook), secret=secret)

    asked = {"url": new.url, "events": new.events}
    return await once(found, caller.name, idempotency_key, "createWebhook", asked, 201, create)


@router.get("/webhooks", operation_id="listWebhooks", response_model=answers.WebhookPage)
async def list_webhooks(
    limit: int = Query(500, ge=1, le=500),
    offset: int = Query(0, ge=0),
    _: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> Any:
    """Registered webhooks, and the events one may ask for."""
    hooks = await run_in_threadpool(found.webhooks.list)
    return {
        "items": [_webhook(h) for h in hooks[offset : offset + limit]],
        "total": len(hooks),
        "limit": limit,
        "offset": offset,
        "events": list(EVENTS),
    }


@router.delete(
    "/webhooks/{webhook_id}",
    operation_id="deleteWebhook",
    status_code=204,
    responses=errors(404),
)
async def delete_webhook(
    webhook_id: int, key: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> Response:
    """Stop sending events to a webhook."""
    await run_in_threadpool(partial(found.webhooks.delete, webhook_id, actor=Actor.of_key(key)))
    return Response(status_code=204)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    operation_id="listDeliveries",
    response_model=answers.DeliveryPage,
    responses=errors(404),
)
async def deliveries(
    webhook_id: int,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    _: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """The newest deliveries first, with attempts and the last error."""
    page = await run_in_threadpool(found.webhooks.delivery_page, webhook_id, limit, offset)
    return {
        "items": [_delivery(d) for d in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }


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
