"""Webhook registration, signatures, retry timing and in-order delivery, on fakes."""

import hashlib
import hmac
import json
import time
from dataclasses import replace
from datetime import timedelta

import pytest

from backend.background import Job, Runner
from backend.domain import errors
from backend.domain.webhook_model import Delivery, Webhook
from backend.domain.webhooks import (
    RetryPolicy,
    WebhookDispatcher,
    Webhooks,
    request_of,
)
from tests.unit.fake_access import FakeWebhookStore
from tests.unit.fake_audit import FakeAuditLog
from tests.unit.fake_background import START, FakeOutbox, FakeReceiver


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
    hooks = Webhooks(store=FakeWebhookStore(), audit=FakeAuditLog())
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


def test_the_delivery_job_sends_on_the_runner_and_stops_cleanly():
    hook = Webhook(1, "http://r.test/", ("checkin.matched",), START, "whsec_x")
    outbox, receiver = FakeOutbox(hook, 3), FakeReceiver()
    claimed = []

    def claim(limit, lease):  # type: ignore[no-untyped-def]
        due = [hook] if any(d.state == "pending" for d in outbox.rows.values()) else []
        claimed.append(len(due))
        return due

    outbox.claim = claim  # type: ignore[method-assign]
    delivery = dispatcher(outbox, receiver, time.time)
    runner = Runner([Job("webhook delivery", 0.01, delivery.deliver_due, copies=2)])
    runner.start()
    threads = list(runner._threads)
    deadline = time.monotonic() + 5
    while len(receiver.got) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    runner.stop(timeout=5)
    assert [json.loads(body)["n"] for body, _ in receiver.got] == [1, 2, 3]
    assert len(threads) == 2 and not any(t.is_alive() for t in threads)
