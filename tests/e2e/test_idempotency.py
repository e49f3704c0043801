"""Idempotency-Key against the running stack: a create sent again (or several times at
once) with one key makes one employee and the same answer; another body is refused."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from facegate.samples import frame


def enroll(stack, idempotency_key, employee_id, name, photo):
    return httpx.post(
        f"{stack.url}/api/v1/employees/insert",
        headers={"X-API-Key": stack.admin_key, "Idempotency-Key": idempotency_key},
        data={"employee_id": employee_id, "employee_name": name},
        files={"image": ("p.jpg", photo, "image/jpeg")},
        timeout=60,
    )


def employee(stack, employee_id):
    return httpx.get(
        f"{stack.url}/api/v1/employees/{employee_id}", headers={"X-API-Key": stack.admin_key}
    )


def erase(stack, employee_id):
    httpx.delete(
        f"{stack.url}/api/v1/employees/{employee_id}", headers={"X-API-Key": stack.admin_key}
    )


def test_the_same_create_twice_with_one_key_makes_one_employee(stack, photos):
    key, employee_id = str(uuid.uuid4()), "IDEM-" + uuid.uuid4().hex[:8]
    try:
        first = enroll(stack, key, employee_id, "Joe Biden", photos["biden.jpg"])
        again = enroll(stack, key, employee_id, "Joe Biden", photos["biden.jpg"])
        assert first.status_code == again.status_code == 201, again.text
        assert again.json() == first.json()
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert len(employee(stack, employee_id).json()["faces"]) == 1

        other = enroll(stack, key, employee_id, "Joe Biden", frame(photos["biden.jpg"]))
        assert other.status_code == 422
        assert other.json()["error"]["code"] == "idempotency_key_reused"
        renamed = enroll(stack, key, employee_id, "Someone Else", photos["biden.jpg"])
        assert renamed.json()["error"]["code"] == "idempotency_key_reused"
        assert len(employee(stack, employee_id).json()["faces"]) == 1
    finally:
        erase(stack, employee_id)


def test_concurrent_retries_with_one_key_create_once(stack, photos):
    key, employee_id = str(uuid.uuid4()), "IDEM-" + uuid.uuid4().hex[:8]
    try:
        with ThreadPoolExecutor(4) as pool:
            answers = list(
                pool.map(
                    lambda _: enroll(stack, key, employee_id, "Joe Biden", photos["biden.jpg"]),
                    range(4),
                )
            )
        assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
        assert len({a.text for a in answers}) == 1
        assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 3
        assert len(employee(stack, employee_id).json()["faces"]) == 1
    finally:
        erase(stack, employee_id)
