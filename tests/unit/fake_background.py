"""Fakes of what the background work uses: the webhook outbox and receiver, and what the
photo and snapshot sweeps read. Each implements its port exactly (mypy checks it)."""

import contextlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from backend.domain import errors
from backend.domain.webhook_model import Delivery, Webhook

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class FakeOutbox:
    """One webhook with `events` pending deliveries (WebhookOutbox)."""

    def __init__(self, hook: Webhook | None = None, events: int = 0) -> None:
        self.hook = hook
        self.rows = {
            i: Delivery(i, hook.webhook_id, f"ev{i}", "checkin.matched", {"n": i}, START)
            for i in range(1, events + 1)
            if hook is not None
        }
        self.released = 0

    def claim(self, limit: int, lease: timedelta) -> list[Webhook]:
        return [self.hook] if self.hook is not None else []

    def pending(self, webhook_id: int, limit: int) -> list[Delivery]:
        return [d for d in self.rows.values() if d.state == "pending"][:limit]

    def delivered(self, delivery_id: int, status: int) -> None:
        self.rows[delivery_id] = replace(self.rows[delivery_id], state="delivered")

    def failed(
        self, delivery_id: int, error: str, status: int | None, retry_at: datetime | None
    ) -> None:
        row = self.rows[delivery_id]
        self.rows[delivery_id] = replace(
            row,
            attempts=row.attempts + 1,
            last_error=error,
            next_attempt_at=retry_at,
            state="pending" if retry_at else "failed",
        )

    def release(self, webhook_id: int) -> None:
        self.released += 1

    def prune(self, older_than: timedelta) -> int:
        return 0


class FakeReceiver:
    """A webhook receiver that takes everything while up (WebhookSender)."""

    def __init__(self) -> None:
        self.up = True
        self.got: list[tuple[bytes, dict[str, str]]] = []

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        if not self.up:
            raise errors.DeliveryFailed("connection refused")
        self.got.append((body, headers))
        return 204


class FakeSweptGallery:
    """The rows' photo keys, and whether this process may sweep (SweptGallery)."""

    def __init__(self, named: set[str] | None = None, free: bool = True) -> None:
        self.named = named or set()
        self.free = free

    @contextlib.contextmanager
    def sweeping(self) -> Iterator[bool]:
        yield self.free

    def image_keys_named(self, keys: list[str]) -> set[str]:
        return self.named & set(keys)


class FakeSweptSnapshots:
    """Snapshot keys named by check-in rows, with their check-in times (SweptSnapshots)."""

    def __init__(self, rows: dict[str, datetime] | None = None, busy: bool = False) -> None:
        self.rows = rows or {}  # snapshot key -> check-in time
        self.busy = busy

    @contextlib.contextmanager
    def sweeping(self) -> Iterator[bool]:
        yield not self.busy

    def snapshot_keys_named(self, keys: list[str]) -> set[str]:
        return {k for k in keys if k in self.rows}

    def forget_snapshots_before(self, cutoff: datetime, limit: int) -> list[str]:
        old = sorted(k for k, t in self.rows.items() if t < cutoff)[:limit]
        for key in old:
            del self.rows[key]
        return old


class FakePhotos:
    """Stored objects and when they were written (SweptPhotos)."""

    def __init__(self, stored: dict[str, datetime] | None = None) -> None:
        self.stored = stored or {}

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        return iter([(k, t) for k, t in self.stored.items() if k.startswith(prefix)])

    def delete(self, key: str) -> None:
        self.stored.pop(key, None)
