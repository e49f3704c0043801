"""Webhook registration, signatures, retry timing and in-order delivery, on fakes."""

import hashlib
import hmac
import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from backend.domain import errors
from backend.domain.model import Delivery, Webhook
from backend.domain.webhooks import (
    DeliveryLoop,
    RetryPolicy,
    WebhookDispatcher,
    Webhooks,
    request_of,
)
from tests.unit.fakes import FakeWebhookStore

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class FakeOutbox:
    def __init__(self, hook: Webhook, events: int) -> None:
        self.hook = hook
        self.rows = {
            i: Delivery(i, hook.webhook_id, f"ev{i}", "checkin.matched", {"n": i}, START)
            for i in range(1, events + 1)
        }
        self.released = 0

    def claim(self, limit, lease):  # type: ignore[no-untyped-def]
        return [self.hook]

    def pending(self, webhook_id, limit):  # type: ignore[no-untyped-def]
        return [d for d in self.rows.values() if d.state == "pending"][:limit]

    def delivered(self, delivery_id, status):  # type: ignore[no-untyped-def]
        self.rows[delivery_id] = replace(self.rows[delivery_id], state="delivered")

    def failed(self, delivery_id, error, status, retry_at):  # type: ignore[no-untyped-def]
        row = self.rows[delivery_id]
        self.rows[delivery_id] = replace(
            row,
            attempts=row.attempts + 1,
            last_error=error,
            next_attempt_at=retry_at,
            state="pending" if retry_at else "failed",
        )

    def release(self, webhook_id):  # type: ignore[no-untyped-def]
        self.released += 1


class FakeReceiver:
    def __init__(self) -> None:
        self.up = True
        self.got: list[tuple[bytes, dict[str, str]]] = []

    def post(self, url, body, headers):  # type: ignore[no-untyped-def]
        if not self.up:
            raise errors.DeliveryFailed("connection refused")
        self.got.append((body, headers))
        return 204


def dispatcher(outbox, receiver, clock):  # type: ignore[no-untyped-def]
    retry = RetryPolicy(base=timedelta(seconds=2), cap=timedelta(seconds=60))
    return WebhookDispatcher(outbox=outbox, sender=receiver, retry=retry, clock=clock)


def test_signature_is_hmac_sha256_over_timestamp_and_body():
    delivery = Delivery(7, 1, "ev", "employee.erased", {"data": {"employee_id": "E1"}}, START)
    body, headers = request_of(delivery, "whsec_x", 1_700_000_000.0)
    expected = hmac.new(b"whsec_x", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert headers["X-Facegate-Signature"] == "v1=" + expected
    assert headers["X-Facegate-Timestamp"] == "1700000000"
    assert headers["X-Facegate-Event"] == "employee.erased"
    assert json.loads(body) == delivery.payload


def test_backoff_doubles_up_to_the_cap():
    retry = RetryPolicy(base=timedelta(seconds=5), cap=timedelta(hours=1))
    assert [retry.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert retry.delay(40) == timedelta(hours=1)


def test_a_failed_event_holds_back_the_later_ones_until_it_goes():
    hook = Webhook(1, "http://r.test/", ("checkin.matched",), START, "whsec_x")
    outbox, receiver = FakeOutbox(hook, 3), FakeReceiver()
    now = [START.timestamp()]
    work = dispatcher(outbox, receiver, lambda: now[0])
    receiver.up = False
    assert work.deliver(hook) == 0
    assert outbox.rows[1].attempts == 1 and outbox.rows[2].attempts == 0
    assert outbox.rows[1].next_attempt_at == START + timedelta(seconds=2)
    receiver.up = True
    assert work.deliver(hook) == 0  # before its retry time nothing goes, in order
    now[0] += 2
    assert work.deliver(hook) == 3
    assert [json.loads(body)["n"] for body, _ in receiver.got] == [1, 2, 3]
    assert outbox.released == 3


def test_an_event_is_given_up_after_the_retry_period_and_the_next_goes():
    hook = Webhook(1, "http://r.test/", ("checkin.matched",), START, "whsec_x")
    outbox, receiver = FakeOutbox(hook, 2), FakeReceiver()
    receiver.up = False
    late = START + timedelta(hours=49)
    outbox.rows[2] = replace(outbox.rows[2], created_at=late - timedelta(hours=1))
    work = dispatcher(outbox, receiver, lambda: late.timestamp())
    work.deliver(hook)
    assert outbox.rows[1].state == "failed"  # 49 h old: given up, so the next was tried
    assert outbox.rows[2].state == "pending" and outbox.rows[2].attempts == 1


def test_registration_checks_the_url_and_events_and_shows_the_secret_once():
    hooks = Webhooks(store=FakeWebhookStore())
    hook, secret = hooks.register("https://payroll.example/hook", ["checkin.matched"])
    assert secret.startswith("whsec_") and hook.secret == secret
    for url, events in (
        ("ftp://x/", ["checkin.matched"]),
        ("https://x/", []),
        ("https://x/", ["checkin.everything"]),
    ):
        with pytest.raises(errors.ValidationFailed):
            hooks.register(url, events)
    with pytest.raises(errors.WebhookNotFound):
        hooks.delete(99)


def test_the_delivery_loop_sends_in_the_background_and_stops_cleanly():
    hook = Webhook(1, "http://r.test/", ("checkin.matched",), START, "whsec_x")
    outbox, receiver = FakeOutbox(hook, 3), FakeReceiver()
    outbox.prune = lambda older_than: 0  # type: ignore[attr-defined]
    claimed = []

    def claim(limit, lease):  # type: ignore[no-untyped-def]
        due = [hook] if any(d.state == "pending" for d in outbox.rows.values()) else []
        claimed.append(len(due))
        return due

    outbox.claim = claim  # type: ignore[method-assign]
    loop = DeliveryLoop(dispatcher(outbox, receiver, time.time), poll=0.01, workers=2)
    loop.start()
    deadline = time.monotonic() + 5
    while len(receiver.got) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    loop.stop(timeout=5)
    assert [json.loads(body)["n"] for body, _ in receiver.got] == [1, 2, 3]
    assert loop._thread is not None and not loop._thread.is_alive()
