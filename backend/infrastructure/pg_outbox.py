"""Webhooks and their outbox in PostgreSQL: events are written in the transaction of the
change; workers of any replica lease webhooks with FOR UPDATE SKIP LOCKED."""

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, text

from backend.domain.webhook_model import Delivery, Webhook
from backend.infrastructure.database import transaction

# pg_advisory_xact_lock(OUTBOX_LOCK): held from an event's insert to its commit.
OUTBOX_LOCK = 0x66676F62


def enqueue(db: Connection, event: dict[str, Any]) -> None:
    """Put an event (events.envelope) in the outbox of every webhook that wants it, inside
    the caller's transaction: it is delivered exactly when the change commits.

    Call it last in the transaction: writers of events take turns from here to their
    commit, so outbox ids follow commit order and a worker never sends an event before an
    earlier one has committed. Only changes some webhook wants ever wait."""
    wanted = db.execute(
        text("SELECT array_agg(id ORDER BY id) FROM webhook WHERE :event = ANY(events)"),
        {"event": event["type"]},
    ).scalar()
    if not wanted:
        return
    db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": OUTBOX_LOCK})
    db.execute(
        text(
            "INSERT INTO webhook_delivery (webhook_id, event_id, event, payload) "
            "SELECT id, :event_id, :event, CAST(:payload AS jsonb) FROM unnest(:ids) AS id "
            "ORDER BY id"
        ),
        {
            "ids": wanted,
            "event_id": event["id"],
            "event": event["type"],
            "payload": json.dumps(event),
        },
    )


WEBHOOK_COLUMNS = "id, url, events, created_at, secret"
DELIVERY_COLUMNS = (
    "id, webhook_id, event_id, event, payload, created_at, attempts, state, next_attempt_at, "
    "last_error, last_status, delivered_at"
)


class PgWebhooks:
    """WebhookStore and WebhookOutbox on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- registration --------------------------------------------------------------------
    def create(self, url: str, events: tuple[str, ...], secret: str) -> Webhook:
        with transaction(self._engine) as db:
            row = db.execute(
                text(
                    "INSERT INTO webhook (url, events, secret) VALUES (:u, :e, :s) "
                    f"RETURNING {WEBHOOK_COLUMNS}"
                ),
                {"u": url, "e": list(events), "s": secret},
            ).one()
        return _webhook(row)

    def get(self, webhook_id: int) -> Webhook | None:
        with transaction(self._engine) as db:
            row = db.execute(
                text(f"SELECT {WEBHOOK_COLUMNS} FROM webhook WHERE id = :i"), {"i": webhook_id}
            ).first()
        return None if row is None else _webhook(row)

    def delete(self, webhook_id: int) -> bool:
        with transaction(self._engine) as db:
            gone = db.execute(text("DELETE FROM webhook WHERE id = :i"), {"i": webhook_id})
        return bool(gone.rowcount)

    def deliveries(self, webhook_id: int, limit: int, offset: int = 0) -> list[Delivery]:
        with transaction(self._engine) as db:
            rows = db.execute(
                text(
                    f"SELECT {DELIVERY_COLUMNS} FROM webhook_delivery WHERE webhook_id = :w "
                    "ORDER BY id DESC LIMIT :l OFFSET :o"
                ),
                {"w": webhook_id, "l": limit, "o": offset},
            )
            return [_delivery(r) for r in rows]

    def count_deliveries(self, webhook_id: int) -> int:
        with transaction(self._engine) as db:
            return int(
                db.execute(
                    text("SELECT count(*) FROM webhook_delivery WHERE webhook_id = :w"),
                    {"w": webhook_id},
                ).scalar_one()
            )

    # -- the worker's side ---------------------------------------------------------------
    def claim(self, limit: int, lease: timedelta) -> list[Webhook]:
        with transaction(self._engine) as db:
            rows = db.execute(
                text(
                    f"""
                    UPDATE webhook SET lease_until = clock_timestamp() + :lease
                    WHERE id IN (
                        SELECT w.id FROM webhook w
                        WHERE (w.lease_until IS NULL OR w.lease_until < clock_timestamp())
                          AND (SELECT d.next_attempt_at FROM webhook_delivery d
                               WHERE d.webhook_id = w.id AND d.state = 'pending'
                               ORDER BY d.id LIMIT 1) <= clock_timestamp()
                        ORDER BY w.id
                        LIMIT :limit
                        FOR UPDATE SKIP LOCKED
                    )
                    RETURNING {WEBHOOK_COLUMNS}
                    """
                ),
                {"lease": lease, "limit": limit},
            )
            return [_webhook(r) for r in rows]

    def pending(self, webhook_id: int, limit: int) -> list[Delivery]:
        with transaction(self._engine) as db:
            rows = db.execute(
                text(
                    f"SELECT {DELIVERY_COLUMNS} FROM webhook_delivery "
                    "WHERE webhook_id = :w AND state = 'pending' ORDER BY id LIMIT :l"
                ),
                {"w": webhook_id, "l": limit},
            )
            return [_delivery(r) for r in rows]

    def delivered(self, delivery_id: int, status: int) -> None:
        with transaction(self._engine) as db:
            db.execute(
                text(
                    "UPDATE webhook_delivery SET state = 'delivered', attempts = attempts + 1, "
                    "last_status = :s, delivered_at = now() WHERE id = :i"
                ),
                {"i": delivery_id, "s": status},
            )

    def failed(
        self, delivery_id: int, error: str, status: int | None, retry_at: datetime | None
    ) -> None:
        with transaction(self._engine) as db:
            db.execute(
                text(
                    "UPDATE webhook_delivery SET attempts = attempts + 1, last_error = :e, "
                    "last_status = :s, next_attempt_at = coalesce(:r, next_attempt_at), "
                    "state = CASE WHEN :r IS NULL THEN 'failed' ELSE state END WHERE id = :i"
                ),
                {"i": delivery_id, "e": error[:500], "s": status, "r": retry_at},
            )

    def prune(self, older_than: timedelta) -> int:
        with transaction(self._engine) as db:
            gone = db.execute(
                text(
                    "DELETE FROM webhook_delivery WHERE state <> 'pending' "
                    "AND created_at < now() - :age"
                ),
                {"age": older_than},
            )
        return int(gone.rowcount)

    def release(self, webhook_id: int) -> None:
        with transaction(self._engine) as db:
            db.execute(
                text("UPDATE webhook SET lease_until = NULL WHERE id = :i"), {"i": webhook_id}
            )

    def list(self) -> list[Webhook]:
        with transaction(self._engine) as db:
            rows = db.execute(text(f"SELECT {WEBHOOK_COLUMNS} FROM webhook ORDER BY id"))
            return [_webhook(r) for r in rows]


def _webhook(row: Any) -> Webhook:
    return Webhook(row.id, row.url, tuple(row.events), row.created_at, row.secret)


def _delivery(row: Any) -> Delivery:
    return Delivery(
        delivery_id=row.id,
        webhook_id=row.webhook_id,
        event_id=row.event_id,
        event=row.event,
        payload=row.payload,
        created_at=row.created_at,
        attempts=row.attempts,
        state=row.state,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        last_status=row.last_status,
        delivered_at=row.delivered_at,
    )
