"""Webhooks: registration, signing, and delivery of the outbox in order with retries
(what one run of the delivery job does; the runner in backend.background runs it)."""

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from backend.domain.audit import SYSTEM, WEBHOOK_CREATED, WEBHOOK_DELETED, Actor
from backend.domain.errors import DeliveryFailed, ValidationFailed, WebhookNotFound
from backend.domain.events import EVENTS
from backend.domain.model import Page
from backend.domain.ports import AuditTrail, WebhookOutbox, WebhookSender, WebhookStore
from backend.domain.webhook_model import Delivery, Webhook

SECRET_PREFIX = "whsec_"
SIGNATURE_HEADER = "X-Facegate-Signature"
TIMESTAMP_HEADER = "X-Facegate-Timestamp"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>" with the webhook's secret, as "v1=<hex>"."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def request_of(delivery: Delivery, secret: str, now: float) -> tuple[bytes, dict[str, str]]:
    """The body and headers a receiver gets for one delivery."""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(now))
    return body, {
        "Content-Type": "application/json",
        "User-Agent": "facegate-webhooks/1",
        "X-Facegate-Event": delivery.event,
        "X-Facegate-Delivery": str(delivery.delivery_id),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: base, 2 base, 4 base ... up to `cap`; given up after `give_up`."""

    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(hours=1)
    give_up: timedelta = timedelta(hours=48)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt (1-based)."""
        factor = 2 ** min(max(attempts - 1, 0), 30)
        return min(self.base * factor, self.cap)


class Webhooks:
    """What an admin does with webhooks: register (secret shown once), list, delete."""

    def __init__(self, *, store: WebhookStore, audit: AuditTrail) -> None:
        self._store = store
        self._audit = audit

    def register(
        self, url: str, events: list[str], *, actor: Actor = SYSTEM
    ) -> tuple[Webhook, str]:
        url = (url or "").strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
            raise ValidationFailed(
                "url must be an http:// or https:// address",
                {"fields": {"url": "an http(s) URL"}},
            )
        wanted = list(dict.fromkeys(events or []))
        unknown = [e for e in wanted if e not in EVENTS]
        if not wanted or unknown:
            raise ValidationFailed(
                "events must name one or more of " + ", ".join(EVENTS),
                {"fields": {"events": "one or more of " + ", ".join(EVENTS)}},
            )
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        hook = self._store.create(url, tuple(wanted), secret)
        details = {"url": url, "events": wanted}
        self._audit.record(actor, WEBHOOK_CREATED, "webhook", str(hook.webhook_id), details)
        return hook, secret

    def delete(self, webhook_id: int, *, actor: Actor = SYSTEM) -> None:
        if not self._store.delete(webhook_id):
            raise WebhookNotFound(f"no webhook {webhook_id}", {"webhook_id": webhook_id})
        self._audit.record(actor, WEBHOOK_DELETED, "webhook", str(webhook_id))

    def deliveries(self, webhook_id: int, limit: int) -> list[Delivery]:
        if self._store.get(webhook_id) is None:
            raise WebhookNotFound(f"no webhook {webhook_id}", {"webhook_id": webhook_id})
        return self._store.deliveries(webhook_id, limit)

    def delivery_page(self, webhook_id: int, limit: int, offset: int) -> Page:
        """A page of a webhook's deliveries, newest first."""
        if self._store.get(webhook_id) is None:
            raise WebhookNotFound(f"no webhook {webhook_id}", {"webhook_id": webhook_id})
        items = self._store.deliveries(webhook_id, limit, offset)
        return Page(items, self._store.count_deliveries(webhook_id), limit, offset)

    def list(self) -> list[Webhook]:
        return self._store.list()


class WebhookDispatcher:
    """Delivers the outbox. Each webhook is leased by one worker of any replica at a time
    and gets its events in outbox order: a failed one is retried before any later one."""

    def __init__(
        self,
        *,
        outbox: WebhookOutbox,
        sender: WebhookSender,
        retry: RetryPolicy,
        lease: timedelta = timedelta(seconds=60),
        batch: int = 50,
        keep: timedelta = timedelta(days=7),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keep = keep
        self._outbox = outbox
        self._sender = sender
        self._retry = retry
        self._lease = lease
        self._batch = batch
        self._clock = clock

    def claim(self, limit: int) -> list[Webhook]:
        """Webhooks with a due event that no other worker holds, now leased to us."""
        return self._outbox.claim(limit, self._lease)

    def prune(self) -> int:
        """Keep the outbox bounded: finished events go after a week (visible until then)."""
        return self._outbox.prune(self._keep)

    def deliver_due(self, most: int = 50) -> int:
        """One run of the delivery job: lease due webhooks one at a time (so that the
        job's other copies, here or on other replicas, take the next ones) and deliver
        each, up to `most` of them; how many events went."""
        sent = 0
        for _ in range(most):
            hooks = self.claim(1)
            if not hooks:
                break
            sent += self.deliver(hooks[0])
        return sent

    def deliver(self, hook: Webhook) -> int:
        """Send this webhook's due events in order until one fails; returns how many went."""
        sent = 0
        started = self._clock()
        try:
            for delivery in self._outbox.pending(hook.webhook_id, self._batch):
                # Stop well within the lease, so no other worker can take the webhook over
                # while we still send.
                if self._clock() - started > self._lease.total_seconds() / 2:
                    break
                if not self._attempt(hook, delivery):
                    break
                sent += 1
        finally:
            self._outbox.release(hook.webhook_id)
        return sent

    def _attempt(self, hook: Webhook, delivery: Delivery) -> bool:
        now = datetime.fromtimestamp(self._clock(), UTC)
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return False  # still waiting for its retry time: later events wait behind it
        body, headers = request_of(delivery, hook.secret, self._clock())
        try:
            status = self._sender.post(hook.url, body, headers)
        except DeliveryFailed as error:
            attempts = delivery.attempts + 1
            give_up = now - delivery.created_at >= self._retry.give_up
            retry_at = None if give_up else now + self._retry.delay(attempts)
            self._outbox.failed(delivery.delivery_id, error.message, error.status, retry_at)
            # Given up: the next event may go; else the order holds it back.
            return give_up
        self._outbox.delivered(delivery.delivery_id, status)
        return True
