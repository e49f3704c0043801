"""Rate limit, metrics, logs, employee details and attendance on fakes."""

import io
import logging
import re
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from backend.config import BackendSettings
from backend.domain import errors
from backend.domain.attendance import Attendance
from backend.domain.model import Checkin, CheckinFilter, Employee, Role
from backend.domain.ratelimit import RateLimiter
from backend.logs import JsonFormatter
from backend.main import create_app
from tests.unit.fake_records import FakeCheckinLog
from tests.unit.fakes import face
from tests.unit.world import FakeWorld

PHOTO = b"\xff\xd8photo"


@pytest.fixture
def api(tmp_path):
    world = FakeWorld()
    world.embedder.faces[PHOTO] = [face((1.0, 0.0, 0.0))]
    services = world.services(timezone="Europe/Paris", search_rate_per_minute=12)  # a burst of 2
    app = create_app(BackendSettings(static_dir=tmp_path), services=services)
    admin = world.keys.create("hr", Role.ADMIN)[1]
    with TestClient(app) as client:
        client.headers["X-API-Key"] = admin
        yield client, admin


def search(client):
    return client.post("/api/v1/employees/search", files={"image": ("f.jpg", PHOTO)})


def enroll(client, employee_id="E1", **extra):
    return client.post(
        "/api/v1/employees/insert",
        data={"employee_id": employee_id, "employee_name": "Alice", **extra},
        files={"image": ("a.jpg", PHOTO)},
    )


def test_rate_limiter_refills_with_time():
    now = [0.0]
    limiter = RateLimiter(per_minute=60, clock=lambda: now[0])  # 1 a second, burst of 10
    for _ in range(10):
        limiter.take("door")
    with pytest.raises(errors.RateLimited) as limited:
        limiter.take("door")
    assert limited.value.retry_after == 1
    limiter.take("lobby")  # other keys have their own bucket
    now[0] = 1.0
    limiter.take("door")


def test_search_over_the_limit_is_429_with_retry_after(api):
    client, _ = api
    assert [search(client).status_code for _ in range(2)] == [200, 200]
    limited = search(client)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1


def test_metrics_count_a_request_that_was_made(api):
    client, _ = api
    client.get("/api/v1/auth/whoami")
    exposition = client.get("/metrics").text
    assert (
        'facegate_http_requests_total{method="GET",route="/api/v1/auth/whoami",status="200"} 1.0'
        in exposition
    )
    assert "facegate_http_request_seconds_bucket" in exposition


def test_checkin_answers_are_counted(api):
    client, _ = api
    enroll(client)
    search(client)
    assert 'facegate_checkins_total{result="matched"} 1.0' in client.get("/metrics").text


def test_log_lines_carry_the_request_id_and_never_the_key(api):
    client, admin = api
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        answer = client.get("/api/v1/auth/whoami", headers={"X-Request-ID": "req-42"})
        client.get("/api/v1/auth/whoami", headers={"X-API-Key": admin + "x"})  # refused
        enroll(client)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    lines = stream.getvalue().splitlines()
    assert answer.headers["X-Request-ID"] == "req-42"
    assert any(
        '"request_id": "req-42"' in line and '"api_key_name": "hr"' in line for line in lines
    )
    assert lines and all(admin not in line for line in lines)


def test_requests_without_an_id_get_distinct_new_ones(api):
    client, _ = api
    given = {client.get("/api/v1/auth/whoami").headers["X-Request-ID"] for _ in range(50)}
    assert len(given) == 50 and all(re.fullmatch(r"[0-9a-f]{32}", g) for g in given)


def test_department_email_and_patch(api):
    client, _ = api
    assert enroll(client, department="Sales", email="alice@example.org").status_code == 201
    employee = client.get("/api/v1/employees/E1").json()
    assert (employee["department"], employee["email"]) == ("Sales", "alice@example.org")
    changed = client.patch("/api/v1/employees/E1", json={"name": "Alice B", "department": None})
    assert changed.json()["name"] == "Alice B" and changed.json()["department"] is None
    assert changed.json()["email"] == "alice@example.org"  # left out, so kept
    bad = client.patch("/api/v1/employees/E1", json={"email": "not-an-address"})
    assert bad.status_code == 422 and "email" in bad.json()["error"]["details"]["fields"]
    assert client.patch("/api/v1/employees/E9", json={"name": "x"}).status_code == 404


def test_the_same_photo_twice_is_refused_for_that_employee(api):
    client, _ = api
    assert enroll(client).status_code == 201
    again = enroll(client)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "photo_already_enrolled"


def at(hour: int, minute: int = 0, day: int = 21) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def record():
    log = FakeCheckinLog({"E1": Employee("E1", "Alice"), "E2": Employee("E2", "Bob, Jr.")})
    log.rows = [
        Checkin(1, "E1", True, 0.03, "door", at(7, 5)),  # 08:05 in Paris
        Checkin(2, "E2", True, 0.04, "door", at(7, 30)),
        Checkin(3, None, False, 0.3, "door", at(8)),
        Checkin(4, "E1", True, 0.02, "lobby", at(16, 45)),  # 17:45
        Checkin(5, "E1", True, 0.02, "door", at(23, 30)),  # 00:30 on the 22nd in Paris
    ]
    return Attendance(checkins=log, timezone="Europe/Paris"), log


def test_daily_view_uses_the_office_day(record):
    attendance, _ = record
    days = {d.employee_id: d for d in attendance.daily(date(2026, 11, 21))}
    assert days["E1"].checkins == 2
    assert days["E1"].first_checkin.isoformat() == "2026-11-21T08:05:00+01:00"
    assert days["E1"].last_checkin.isoformat() == "2026-11-21T17:45:00+01:00"
    assert days["E2"].checkins == 1


def test_csv_has_a_header_and_one_row_per_checkin(record):
    attendance, log = record
    lines = list(attendance.csv_lines(CheckinFilter()))
    assert lines[0].startswith("checkin_id,checked_in_at,employee_id,employee_name,matched")
    assert len(lines) == 1 + len(log.rows)
    assert lines[2] == '2,2026-11-21T08:30:00+01:00,E2,"Bob, Jr.",true,0.0400,door,false,,face\n'
    assert lines[3].startswith("3,2026-11-21T09:00:00+01:00,,,false,")


def test_window_parsing_in_the_office_zone(record):
    attendance, _ = record
    start = attendance.moment("2026-11-21", "from")
    end = attendance.moment("2026-11-21", "to", end_of_day=True)
    assert (start.isoformat(), end.isoformat()) == (
        "2026-11-21T00:00:00+01:00",
        "2026-11-22T00:00:00+01:00",
    )
    rows = attendance.page(CheckinFilter(start, end), 100, 0).items
    assert [r.checkin.checkin_id for r in rows] == [1, 2, 3, 4]
    with pytest.raises(errors.ValidationFailed):
        attendance.moment("yesterday", "from")
    with pytest.raises(errors.ValidationFailed):
        attendance.page(CheckinFilter(end, start), 10, 0)
