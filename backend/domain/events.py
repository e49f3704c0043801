"""The events integrations can subscribe to, and the JSON each one carries.

The use cases raise these on their unit of work, which publishes them into the outbox in
the transaction that makes the change: an event is there exactly when its change commits."""

import uuid
from datetime import UTC, datetime
from typing import Any

from backend.domain.model import Checkin
from backend.domain.site_model import Kiosk, Site

CHECKIN_MATCHED = "checkin.matched"
CHECKIN_UNKNOWN = "checkin.unknown"
EMPLOYEE_ENROLLED = "employee.enrolled"
EMPLOYEE_ERASED = "employee.erased"
EVENTS = (CHECKIN_MATCHED, CHECKIN_UNKNOWN, EMPLOYEE_ENROLLED, EMPLOYEE_ERASED)


def envelope(event: str, data: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """{"id", "type", "created_at", "data"}: what a receiver gets as the request body."""
    return {
        "id": uuid.uuid4().hex,
        "type": event,
        "created_at": (at or datetime.now(UTC)).isoformat(),
        "data": data,
    }


def checkin_matched(checkin: Checkin, employee_name: str | None, site: Site) -> dict[str, Any]:
    return envelope(
        CHECKIN_MATCHED,
        {
            "checkin_id": checkin.checkin_id,
            "employee_id": checkin.employee_id,
            "employee_name": employee_name,
            "distance": None if checkin.distance is None else round(checkin.distance, 4),
            "api_key_name": checkin.api_key_name,
            "method": checkin.method,
            "checked_in_at": checkin.created_at.isoformat(),
            "site_id": site.site_id,
            "site_name": site.name,
            "direction": checkin.direction,
        },
        checkin.created_at,
    )


def checkin_unknown(kiosk: Kiosk, distance: float | None) -> dict[str, Any]:
    return envelope(
        CHECKIN_UNKNOWN,
        {
            "api_key_name": kiosk.name,
            "site_id": kiosk.site.site_id,
            "site_name": kiosk.site.name,
            "nearest_distance": None if distance is None else round(distance, 4),
        },
    )


def employee_enrolled(
    employee_id: str, employee_name: str, face_id: str, new_employee: bool
) -> dict[str, Any]:
    return envelope(
        EMPLOYEE_ENROLLED,
        {
            "employee_id": employee_id,
            "employee_name": employee_name,
            "face_id": face_id,
            "new_employee": new_employee,
        },
    )


def employee_erased(employee_id: str) -> dict[str, Any]:
    return envelope(EMPLOYEE_ERASED, {"employee_id": employee_id})
