"""Webhooks and what is delivered to them: the records of the outbox."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Webhook:
    webhook_id: int
    url: str
    events: tuple[str, ...]
    created_at: datetime | None = None
    secret: str = field(default="", repr=False)


@dataclass(frozen=True)
class Delivery:
    """One event on its way to one webhook (a row of the outbox)."""

    delivery_id: int
    webhook_id: int
    event_id: str
    event: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int = 0
    state: str = "pending"  # pending | delivered | failed
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    last_status: int | None = None
    delivered_at: datetime | None = None
