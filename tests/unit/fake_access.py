"""Fakes of the key store, the webhook store and the idempotency store."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from backend.domain.errors import (
    IdempotencyKeyInUse,
    KeyNameTaken,
    SiteNotFound,
)
from backend.domain.model import ApiKey, Liveness, Role, StoredAnswer
from backend.domain.site_model import DEFAULT_SITE, DEFAULT_SITE_ID, Direction, Site
from backend.domain.webhook_model import Delivery, Webhook


class FakeApiKeyStore:
    def __init__(self, sites: dict[int, Site] | None = None) -> None:
        self.keys: dict[str, tuple[ApiKey, str]] = {}
        # the site store fake's sites, when a test has one
        self.sites = sites if sites is not None else {DEFAULT_SITE_ID: DEFAULT_SITE}

    def _site(self, site_id: int) -> Site:
        if site_id not in self.sites:
            raise SiteNotFound(f"no site {site_id}", {"site_id": site_id})
        return self.sites[site_id]

    def create(
        self,
        name: str,
        role: Role,
        key_hash: str,
        site_id: int = DEFAULT_SITE_ID,
        direction: Direction = Direction.BOTH,
    ) -> ApiKey:
        if name in self.keys:
            raise KeyNameTaken(f"a key named {name} already exists")
        site = self._site(site_id)
        key = ApiKey(name, role, datetime.now(UTC), site=site, direction=direction)
        self.keys[name] = (key, key_hash)
        return key

    def find(self, key_hash: str) -> tuple[ApiKey, str] | None:
        for key, stored in self.keys.values():
            if stored == key_hash and key.revoked_at is None:
                return key, stored
        return None

    def list(self) -> list[ApiKey]:
        return [k for k, _ in self.keys.values()]

    def revoke(self, name: str) -> bool:
        if name not in self.keys or self.keys[name][0].revoked_at is not None:
            return False
        key, stored = self.keys[name]
        self.keys[name] = (replace(key, revoked_at=datetime.now(UTC)), stored)
        return True

    def set_liveness(self, name: str, liveness: Liveness) -> ApiKey | None:
        if name not in self.keys or self.keys[name][0].revoked_at is not None:
            return None
        key, stored = self.keys[name]
        self.keys[name] = (replace(key, liveness=liveness), stored)
        return self.keys[name][0]

    def set_place(self, name: str, site_id: int, direction: Direction) -> ApiKey | None:
        if name not in self.keys or self.keys[name][0].revoked_at is not None:
            return None
        key, stored = self.keys[name]
        self.keys[name] = (replace(key, site=self._site(site_id), direction=direction), stored)
        return self.keys[name][0]


class FakeWebhookStore:
    def __init__(self) -> None:
        self.hooks: dict[int, Webhook] = {}
        self.sent: dict[int, list[Delivery]] = {}

    def create(self, url: str, events: tuple[str, ...], secret: str) -> Webhook:
        hook = Webhook(len(self.hooks) + 1, url, events, datetime.now(UTC), secret)
        self.hooks[hook.webhook_id] = hook
        return hook

    def get(self, webhook_id: int) -> Webhook | None:
        return self.hooks.get(webhook_id)

    def delete(self, webhook_id: int) -> bool:
        return self.hooks.pop(webhook_id, None) is not None

    def deliveries(self, webhook_id: int, limit: int, offset: int = 0) -> list[Delivery]:
        return self.sent.get(webhook_id, [])[::-1][offset : offset + limit]

    def count_deliveries(self, webhook_id: int) -> int:
        return len(self.sent.get(webhook_id, []))

    def list(self) -> list[Webhook]:
        return list(self.hooks.values())


class FakeIdempotencyStore:
    """Keys in a dict; a key held by a running request answers IdempotencyKeyInUse at
    once (PgIdempotencyStore waits for it first)."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], tuple[datetime, StoredAnswer]] = {}
        self.held: set[tuple[str, str]] = set()

    def claim(self, owner: str, key: str, request_hash: str, keep_for: timedelta):  # type: ignore[no-untyped-def]
        slot = (owner, key)
        if slot in self.held:
            raise IdempotencyKeyInUse("another request with this Idempotency-Key is running")
        stored = self.answers.get(slot)
        if stored is not None and stored[0] > datetime.now(UTC) - keep_for:
            return stored[1]
        self.held.add(slot)
        store = self

        class Claim:
            def keep(self, status: int, body: object) -> None:
                store.answers[slot] = (
                    datetime.now(UTC),
                    StoredAnswer(request_hash, status, body),
                )
                store.held.discard(slot)

            def release(self) -> None:
                store.held.discard(slot)

        return Claim()

    def forget_older_than(self, keep_for: timedelta) -> int:
        old = [s for s, (at, _) in self.answers.items() if at <= datetime.now(UTC) - keep_for]
        for slot in old:
            del self.answers[slot]
        return len(old)
