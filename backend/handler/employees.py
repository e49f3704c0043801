"""The employee API: enroll, check in, read, erase."""

import hashlib
from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import iterate_in_threadpool, run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from backend.domain.app import Services
from backend.domain.errors import ChallengeRequired
from backend.domain.model import ApiKey, Employee, EmployeeSummary, FaceRecord
from backend.domain.policy import MAX_DEPARTMENT_LENGTH, MAX_NAME_LENGTH
from backend.handler import answers
from backend.handler.auth import ADMIN, ANY_KEY
from backend.handler.context import services
from backend.handler.idempotency import IDEMPOTENCY_KEY, REPLAY_HEADER, once
from backend.handler.liveness import checkin_answer, count_outcome
from backend.handler.openapi import API_ERRORS, CHECKIN_FORM, ENROLLMENT_FORM, errors
from backend.handler.uploads import flag_field, image_field, read_form, text_field

router = APIRouter(prefix="/api/v1", responses=API_ERRORS)


TEXT_FIELDS = ("employee_id", "employee_name", "department", "email")
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


@router.post(
    "/employees/insert",
    operation_id="enrollEmployee",
    tags=["employees"],
    status_code=201,
    response_model=answers.EnrollmentResult,
    responses={201: {"headers": REPLAY_HEADER}, **errors(404, 409)},
    openapi_extra=ENROLLMENT_FORM,
)
async def insert(
    request: Request,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
    key: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> answers.EnrollmentResult | JSONResponse:
    """Enroll an employee from a photo, or add a face to one already enrolled (multipart
    `image`, `employee_id`, `employee_name`, optional `department`, `email`, and
    `confirm_distinct=true` after a possible_duplicate)."""
    form = await read_form(request, found.max_upload_bytes)
    image = await image_field(form, found.max_upload_bytes)
    fields = {name: text_field(form, name) for name in TEXT_FIELDS}
    confirm = flag_field(form, "confirm_distinct")

    async def enroll() -> answers.EnrollmentResult:
        enrolled = await run_in_threadpool(
            partial(
                found.enrollment.enroll,
                fields["employee_id"],
                fields["employee_name"],
                image,
                fields["department"],
                fields["email"],
                confirm_distinct=confirm,
                confirmed_by=key.name,
            )
        )
        return answers.EnrollmentResult(
            employee_id=enrolled.employee_id,
            face_id=enrolled.face_id,
            image_url=photo_path(enrolled.employee_id, enrolled.face_id),
        )

    asked = {**fields, "confirm_distinct": confirm, "image": hashlib.sha256(image).hexdigest()}
    return await once(found, key.name, idempotency_key, "enrollEmployee", asked, 201, enroll)


@router.post(
    "/employees/search",
    operation_id="checkIn",
    tags=["check-in"],
    response_model=answers.CheckinMatched | answers.CheckinNotMatched,
    response_model_exclude_unset=True,
    responses=errors(409, 429),
    openapi_extra=CHECKIN_FORM,
)
async def search(
    request: Request, key: ApiKey = Depends(ANY_KEY), found: Services = Depends(services)
) -> dict[str, Any]:
    """Who is the largest face in this frame? Records a check-in when a face is seen."""
    found.search_limiter.take(key.name)
    if key.liveness == "challenge":
        raise ChallengeRequired(
            "this kiosk must answer a head-turn challenge: POST /api/v1/liveness/challenge, "
            "then the frames to POST /api/v1/liveness/checkin",
            {"liveness": key.liveness},
        )
    form = await read_form(request, found.max_upload_bytes)
    image = await image_field(form, found.max_upload_bytes)
    outcome = await run_in_threadpool(found.checkin.check_in, image, key.name)
    count_outcome(request, outcome)
    return checkin_answer(outcome)


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
    _: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> dict[str, Any]:
    """Change the name, department or email (null clears department or email)."""
    given = changes.model_dump(include=changes.model_fields_set)
    employee = await run_in_threadpool(found.admin.update, employee_id, given)
    return _employee(employee)


@router.delete(
    "/employees/{employee_id}",
    operation_id="eraseEmployee",
    tags=["employees"],
    status_code=204,
    responses=errors(404),
)
async def erase_employee(
    employee_id: str, _: ApiKey = Depends(ADMIN), found: Services = Depends(services)
) -> Response:
    """Erase the employee: every face, photo and check-in."""
    await run_in_threadpool(found.admin.erase, employee_id)
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
    _: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> Response:
    """Remove one face of an employee and its photo."""
    await run_in_threadpool(found.admin.remove_face, employee_id, face_id)
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
    _: ApiKey = Depends(ADMIN),
    found: Services = Depends(services),
) -> StreamingResponse:
    """The enrolled photo of one face, streamed from the object store (admin keys only)."""
    photo = await run_in_threadpool(found.admin.photo, employee_id, face_id)
    return StreamingResponse(
        iterate_in_threadpool(photo.chunks),
        media_type=photo.content_type,
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/auth/whoami", operation_id="whoAmI", tags=["auth"], response_model=answers.WhoAmI)
async def whoami(key: ApiKey = Depends(ANY_KEY)) -> dict[str, str]:
    """The calling key's name, role and liveness mode (the pages check a key with it; a
    kiosk with liveness "challenge" asks for a head turn)."""
    return {"name": key.name, "role": key.role.value, "liveness": key.liveness}


def _employee(employee: Employee) -> dict[str, Any]:
    created = employee.created_at.isoformat() if employee.created_at else None
    return {
        "employee_id": employee.employee_id,
        "name": employee.name,
        "department": employee.department,
        "email": employee.email,
        "created_at": created,
    }


def photo_path(employee_id: str, face_id: str) -> str:
    """Where an admin reads a face's photo: through the backend, never the store itself."""
    return f"/api/v1/employees/{quote(employee_id)}/faces/{quote(face_id)}/photo"


def _summary(summary: EmployeeSummary) -> dict[str, Any]:
    last = summary.last_checkin.isoformat() if summary.last_checkin else None
    return {**_employee(summary.employee), "faces": summary.faces, "last_checkin": last}


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
