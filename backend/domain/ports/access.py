"""Ports of access and integration: API keys, webhooks, idempotency and rate limits."""

from datetime import datetime, time, timedelta
from typing import Protocol

from backend.domain.model import ApiKey, Liveness, Role, StoredAnswer
from backend.domain.site_model import DEFAULT_SITE_ID, Direction, Site
from backend.domain.webhook_model import Delivery, Webhook


class ApiKeyStore(Protocol):
    """API keys, kept as hashes only."""

    def create(
        self,
        name: str,
        role: Role,
        key_hash: str,
        site_id: int = DEFAULT_SITE_ID,
        direction: Direction = Direction.BOTH,
    ) -> ApiKey:
        """A new key at a site (SiteNotFound when there is no such site)."""
        ...

    def find(self, key_hash: str) -> tuple[ApiKey, str] | None:
        """The live key with this hash and the stored hash, or None."""
        ...

    def list(self) -> list[ApiKey]: ...

    def revoke(self, name: str) -> bool: ...

    def set_liveness(self, name: str, liveness: Liveness) -> ApiKey | None:
        """Set a live key's liveness mode; None when there is no such live key."""
        ...

    def set_place(self, name: str, site_id: int, direction: Direction) -> ApiKey | None:
        """Move a live key to a site and direction; None when there is no such live key."""
        ...


class SiteStore(Protocol):
    """Sites, and the sites each employee may check in at."""

    def get(self, site_id: int) -> Site | None: ...

    def create(
        self, name: str, timezone: str, day_start_hour: int, expected_start: time | None
    ) -> Site:
        """A new site (SiteNameTaken when the name is in use)."""
        ...

    def update(
        self,
        site_id: int,
        name: str,
        timezone: str,
        day_start_hour: int,
        expected_start: time | None,
    ) -> Site | None: ...

    def allowed_sites(self, employee_id: str) -> list[int] | None:
        """The sites listed for the employee, or None when allowed at all of them."""
        ...

    def set_allowed_sites(self, employee_id: str, sites: list[int] | None) -> bool:
        """Allow the employee at these sites (None: all); False if there is no employee;
        SiteNotFound for a site that does not exist."""
        ...

    def list(self) -> list[Site]: ...


class WebhookStore(Protocol):
    """Registered webhooks and what was delivered to them."""

    def create(self, url: str, events: tuple[str, ...], secret: str) -> Webhook: ...

    def get(self, webhook_id: int) -> Webhook | None: ...

    def delete(self, webhook_id: int) -> bool: ...

    def deliveries(self, webhook_id: int, limit: int, offset: int = 0) -> list[Delivery]:
        """The newest deliveries of a webhook first, skipping the `offset` newest."""
        ...

    def count_deliveries(self, webhook_id: int) -> int: ...

    def list(self) -> list[Webhook]: ...


class WebhookOutbox(Protocol):
    """The outbox as the delivery worker sees it; safe with several replicas."""

    def claim(self, limit: int, lease: timedelta) -> list[Webhook]:
        """Lease up to `limit` webhooks whose oldest pending event is due and which no
        other worker holds (SELECT ... FOR UPDATE SKIP LOCKED)."""
        ...

    def pending(self, webhook_id: int, limit: int) -> list[Delivery]:
        """The webhook's pending events, oldest first."""
        ...

    def delivered(self, delivery_id: int, status: int) -> None: ...

    def failed(
        self, delivery_id: int, error: str, status: int | None, retry_at: datetime | None
    ) -> None:
        """Note a failed attempt; retry at `retry_at`, or give up when it is None."""
        ...

    def release(self, webhook_id: int) -> None: ...

    def prune(self, older_than: timedelta) -> int:
        """Forget delivered and given-up events older than that; how many went."""
        ...


class WebhookSender(Protocol):
    """POSTs one event to a receiver."""

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """The receiver's 2xx status; raises DeliveryFailed otherwise."""
        ...


class IdempotencyClaim(Protocol):
    """One request's hold on an Idempotency-Key, until it keeps its answer or lets go."""

    def keep(self, status: int, body: object) -> None:
        """Store the answer under the key; retries get it from now on."""
        ...

    def release(self) -> None:
        """Let the key go without an answer (the request failed): a retry runs again."""
        ...


class IdempotencyStore(Protocol):
    """Idempotency keys of creates, per API key, shared by every replica."""

    def claim(
        self, owner: str, key: str, request_hash: str, keep_for: timedelta
    ) -> IdempotencyClaim | StoredAnswer:
        """Hold `key` of `owner` for this request, or the answer stored under it within
        `keep_for`; while another request holds it, wait for that one (raises
        IdempotencyKeyInUse when it takes too long)."""
        ...

    def forget_older_than(self, keep_for: timedelta) -> int:
        """Delete the keys stored longer ago than `keep_for`; how many went."""
        ...


class RateBuckets(Protocol):
    """Token buckets shared by every replica (RateLimiter's arithmetic, kept in a store)."""

    def take(self, key: str, rate_per_second: float, capacity: float) -> float | None:
        """Refill `key`'s bucket for the time since it was last seen (a new key starts
        full) and spend one token if there is one, atomically; return None when a token was
        spent, else the tokens held (less than one)."""
        ...
