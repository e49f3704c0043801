"""The employee records for HR: list, read, change, erase, and a face's photo."""

from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import iterate_in_threadpool, run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from backend.domain.app import Services
from backend.domain.audit import Actor
from backend.domain.model import ApiKey, Employee, EmployeeSummary, FaceRecord
from backend.domain.policy import MAX_DEPARTMENT_LENGTH, MAX_NAME_LENGTH
from backend.handler import answers
from backend.handler.auth import ADMIN
from backend.handler.context import services
from backend.handler.employees import photo_path
from backend.handler.openapi import API_ERRORS, ISO_DATE, errors

router = APIRouter(prefix="/api/v1", responses=API_ERRORS)

# The types photos are stored under (backend.domain.policy.image_extension); the last one
# is also what generators read as bytes.
PHOTO_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "image/tiff",
    "image/bmp",
    "application/octet-stream",
)
BINARY = {"type": "string", "format": "binary"}


@router.get(
    "/employees",
    operation_id="listEmployees",
    tags=["employees"],
    response_model=answers.EmployeePage,
)
async def list_employees(
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    q: str = Query("", max_length=128, description="part of an id, name or department"),
    _: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """Employees by id, a page at a time; `q` finds a part of an id, name or department."""
    page = await run_in_threadpool(found.admin.list, limit, offset, q)
    return {
        "items": [_summary(e) for e in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }


@router.get(
    "/employees/{employee_id}",
    operation_id="getEmployee",
    tags=["employees"],
    response_model=answers.EmployeeDetails,
    responses=errors(404),
)
async def get_employee(
    employee_id: str, _: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> dict[str, Any]:
    """The employee with every enrolled face."""
    details = await run_in_threadpool(found.admin.details, employee_id)
    return {**_employee(details.employee), "faces": [_face(f) for f in details.faces]}


class EmployeeChanges(BaseModel):
    """Fields to change; a field left out stays, department or email null clears it."""

    name: str = Field(default=None, min_length=1, max_length=MAX_NAME_LENGTH)  # type: ignore[assignment]
    department: str | None = Field(default=None, max_length=MAX_DEPARTMENT_LENGTH)
    email: str | None = Field(default=None, max_length=254)
    status: Literal["active", "left"] = Field(  # type: ignore[assignment]
        default=None,  # type: ignore[arg-type]
        description="left: the person's biometric data goes after RETENTION_AFTER_LEAVING_DAYS",
    )
    left_on: str | None = Field(
        default=None, pattern=ISO_DATE, description="the day they left (default today)"
    )


@router.patch(
    "/employees/{employee_id}",
    operation_id="updateEmployee",
    tags=["employees"],
    response_model=answers.Employee,
    responses=errors(404),
)
async def update_employee(
    employee_id: str,
    changes: EmployeeChanges,
    key: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """Change the name, department, email (null clears department or email), or the
    status: `left` (on `left_on`, default today) or `active` again."""
    given = changes.model_dump(include=changes.model_fields_set)
    employee = await run_in_threadpool(
        partial(found.admin.update, employee_id, given, actor=Actor.of_key(key))
    )
    return _employee(employee)


@router.delete(
    "/employees/{employee_id}",
    operation_id="eraseEmployee",
    tags=["employees"],
    status_code=204,
    responses=errors(404),
)
async def erase_employee(
    employee_id: str, key: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> Response:
    """Erase the employee: every face, photo and check-in."""
    await run_in_threadpool(partial(found.admin.erase, employee_id, actor=Actor.of_key(key)))
    return Response(status_code=204)


@router.delete(
    "/employees/{employee_id}/faces/{face_id}",
    operation_id="removeFace",
    tags=["employees"],
    status_code=204,
    responses=errors(404),
)
async def remove_face(
    employee_id: str,
    face_id: str,
    key: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> Response:
    """Remove one face of an employee and its photo."""
    remove = partial(found.admin.remove_face, employee_id, face_id, actor=Actor.of_key(key))
    await run_in_threadpool(remove)
    return Response(status_code=204)


@router.get(
    "/employees/{employee_id}/faces/{face_id}/photo",
    operation_id="getFacePhoto",
    tags=["employees"],
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "the photo as stored, with its real type",
            "content": {kind: {"schema": BINARY} for kind in PHOTO_TYPES},
        },
        **errors(404),
    },
)
async def face_photo(
    employee_id: str,
    face_id: str,
    key: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> StreamingResponse:
    """The enrolled photo of one face, streamed from the object store (admin keys only)."""
    photo = await run_in_threadpool(
        partial(found.admin.photo, employee_id, face_id, actor=Actor.of_key(key))
    )
    return StreamingResponse(
        iterate_in_threadpool(photo.chunks),
        media_type=photo.content_type,
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


def employee_answer(employee: Employee) -> dict[str, Any]:
    """An employee as the API shows them."""
    return _employee(employee)


def _employee(employee: Employee) -> dict[str, Any]:
    created = employee.created_at.isoformat() if employee.created_at else None
    return {
        "employee_id": employee.employee_id,
        "name": employee.name,
        "department": employee.department,
        "email": employee.email,
        "created_at": created,
        "status": employee.status,
        "left_on": employee.left_on.isoformat() if employee.left_on else None,
        "biometrics": employee.biometrics,
    }


def _summary(summary: EmployeeSummary) -> dict[str, Any]:
    last = summary.last_checkin.isoformat() if summary.last_checkin else None
    return {
        **_employee(summary.employee),
        "faces": summary.faces,
        "last_checkin": last,
        "consent": summary.consent,
    }


def _face(face: FaceRecord) -> dict[str, Any]:
    return {
        "face_id": face.face_id,
        "photo_path": photo_path(face.employee_id, face.face_id),
        "model": face.model,
        "detector": face.detector,
        "quality": face.quality.__dict__,
        "confirmed_distinct_from": face.confirmed_distinct_from,
        "confirmed_by": face.confirmed_by,
        "image_url": photo_path(face.employee_id, face.face_id),
        "created_at": face.created_at.isoformat() if face.created_at else None,
    }
