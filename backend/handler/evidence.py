"""Check-in evidence for HR: the snapshot the kiosk saw, and disputes (admin keys only)."""

from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path
from fastapi.concurrency import iterate_in_threadpool, run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from backend.domain.app import Services
from backend.domain.attendance import Attendance
from backend.domain.audit import Actor
from backend.domain.evidence import MAX_REASON_LENGTH
from backend.domain.model import ApiKey, CheckinRow
from backend.handler import answers
from backend.handler.auth import ADMIN
from backend.handler.context import services
from backend.handler.openapi import API_ERRORS, errors

router = APIRouter(prefix="/api/v1", responses=API_ERRORS, tags=["attendance"])

CHECKIN_ID = Path(ge=1, le=2**63 - 1)


class CheckinChanges(BaseModel):
    """Mark a check-in disputed (with a reason), or clear the mark."""

    disputed: bool
    reason: str = Field(default="", max_length=MAX_REASON_LENGTH)


@router.get(
    "/checkins/{checkin_id}/snapshot",
    operation_id="getCheckinSnapshot",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}},
        **errors(404),
    },
)
async def checkin_snapshot(
    checkin_id: int = CHECKIN_ID,
    key: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> StreamingResponse:
    """The face the kiosk saw for this check-in (its aligned crop), admin keys only."""
    photo = await run_in_threadpool(
        partial(found.evidence.snapshot, checkin_id, actor=Actor.of_key(key))
    )
    return StreamingResponse(
        iterate_in_threadpool(photo.chunks),
        media_type=photo.content_type,
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.get(
    "/checkins/{checkin_id}",
    operation_id="getCheckin",
    response_model=answers.CheckinRow,
    responses=errors(404),
)
async def get_checkin(
    checkin_id: int = CHECKIN_ID,
    _: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """One check-in, with its snapshot link and dispute."""
    row = await run_in_threadpool(found.evidence.checkin, checkin_id)
    return checkin_item(row, found.attendance)


@router.patch(
    "/checkins/{checkin_id}",
    operation_id="disputeCheckin",
    response_model=answers.CheckinRow,
    responses=errors(404),
)
async def dispute_checkin(
    changes: CheckinChanges,
    checkin_id: int = CHECKIN_ID,
    key: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """`{"disputed": true, "reason": "..."}` marks the check-in disputed, recording the
    admin key's name and the time; `{"disputed": false}` clears it."""
    evidence = found.evidence
    row = await run_in_threadpool(
        partial(
            evidence.dispute,
            checkin_id,
            changes.disputed,
            changes.reason,
            key.name,
            actor=Actor.of_key(key),
        )
    )
    return checkin_item(row, found.attendance)


def snapshot_path(checkin_id: int) -> str:
    return f"/api/v1/checkins/{checkin_id}/snapshot"


def checkin_item(row: CheckinRow, attendance: Attendance) -> dict[str, Any]:
    """A check-in as the API shows it (the list, one check-in, a dispute's answer)."""
    c = row.checkin
    dispute = c.dispute
    face_photo = None
    if c.employee_id and c.face_id:
        face_photo = f"/api/v1/employees/{quote(c.employee_id)}/faces/{quote(c.face_id)}/photo"
    return {
        "checkin_id": c.checkin_id,
        "checked_in_at": attendance.local(c.created_at).isoformat(),
        "employee_id": c.employee_id,
        "employee_name": row.employee_name,
        "matched": c.matched,
        "distance": c.distance,
        "api_key_name": c.api_key_name,
        "method": c.method,
        "site_id": c.site_id,
        "direction": c.direction,
        "face_id": c.face_id,
        "face_photo_path": face_photo,
        "snapshot_path": snapshot_path(c.checkin_id) if c.snapshot_key else None,
        "disputed": dispute is not None,
        "dispute_reason": dispute.reason if dispute else None,
        "disputed_by": dispute.disputed_by if dispute else None,
        "disputed_at": attendance.local(dispute.disputed_at).isoformat() if dispute else None,
    }
