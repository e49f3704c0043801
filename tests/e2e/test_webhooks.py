"""Webhooks against the running stack: a real receiver, taken down for a while, loses nothing."""

import time

import pytest

from facegate.processes import free_port
from facegate.samples import frame
from tests.backends import as_admin as admin
from tests.backends import search
from tests.e2e.receiver import Receiver, verify


def until(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.fixture
def receiver():
    up = Receiver(free_port()).start()
    yield up
    up.stop()


def test_a_receiver_that_was_down_gets_every_event_in_order(stack, photos, receiver):
    made = admin(stack, "POST", "/api/v1/webhooks", json={"url": receiver.url})
    assert made.status_code == 201, made.text
    hook, secret = made.json()["webhook_id"], made.json()["secret"]
    try:
        enrolled = admin(
            stack,
            "POST",
            "/api/v1/employees/insert",
            data={"employee_id": "HOOK-OBAMA", "employee_name": "Barack Obama"},
            files={"image": ("obama.jpg", photos["obama.jpg"])},
        )
        assert enrolled.status_code == 201, enrolled.text
        until(lambda: len(receiver.got) == 1)

        receiver.stop()  # the receiver goes down; the office goes on
        matched = search(stack, frame(photos["obama2.jpg"]))
        assert matched["matched"] is True and matched["repeat"] is False
        assert search(stack, frame(photos["obama3.jpg"]))["repeat"] is True  # no event
        assert search(stack, frame(photos["biden.jpg"]))["matched"] is False
        assert admin(stack, "DELETE", "/api/v1/employees/HOOK-OBAMA").status_code == 204

        def retried():
            items = admin(stack, "GET", f"/api/v1/webhooks/{hook}/deliveries").json()["items"]
            head = items[-2]  # the oldest undelivered: the check-in
            return head["attempts"] >= 2 and head["state"] == "pending" and head

        failing = until(retried, 30)
        assert failing["last_error"] and failing["event"] == "checkin.matched"

        receiver.start()  # back on the same port
        until(lambda: len(receiver.got) == 4, 60)
        events = receiver.events()
        assert [e["type"] for e in events] == [
            "employee.enrolled",
            "checkin.matched",
            "checkin.unknown",
            "employee.erased",
        ]
        assert events[1]["data"]["checkin_id"] == matched["checkin_id"]
        assert events[3]["data"] == {"employee_id": "HOOK-OBAMA"}
        assert all(verify(secret, headers, body) for headers, body in receiver.got)
        assert not verify("whsec_wrong", *receiver.got[0])
        states = admin(stack, "GET", f"/api/v1/webhooks/{hook}/deliveries").json()["items"]
        assert [d["state"] for d in states] == ["delivered"] * 4
    finally:
        admin(stack, "DELETE", f"/api/v1/webhooks/{hook}")
        admin(stack, "DELETE", "/api/v1/employees/HOOK-OBAMA")
