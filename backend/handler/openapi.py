"""What the OpenAPI schema says beyond the route signatures: the error body and which
errors each route may answer, and the multipart bodies the upload routes read."""

from typing import Any

from fastapi import Query
from pydantic import BaseModel

from backend.domain.policy import EMPLOYEE_ID, MAX_DEPARTMENT_LENGTH, MAX_NAME_LENGTH


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class ErrorBody(BaseModel):
    """Every error answer: {"error": {"code", "message", "details"}}."""

    error: ErrorDetail


MEANINGS = {
    401: "no API key, or one that is unknown or revoked (unauthorized)",
    403: "the key's role may not use this route (forbidden)",
    404: "no such employee, face, key, webhook, check-in or snapshot (employee_not_found, "
    "face_not_found, key_not_found, webhook_not_found, checkin_not_found, snapshot_not_found, "
    "qr_token_not_found)",
    409: "a conflict: consent_required (no current consent of the person), notice_outdated "
    "(a consent to a notice version no longer in force), "
    "photo_already_enrolled, face_already_enrolled, possible_duplicate "
    "(send again with confirm_distinct=true once HR has checked), "
    "key_name_taken, idempotency_key_in_use (a request with this Idempotency-Key is still "
    "running), challenge_used (a head-turn challenge answered before), employee_exists, "
    "biometrics_declined (no face is stored for a person with biometrics none), "
    "biometrics_enabled (a PIN or QR code is only for a person with biometrics none)",
    413: "the body is over its limit (image_too_large, body_too_large)",
    422: "the request is not valid (validation_error, invalid_image, no_face_detected, "
    "multiple_faces, low_quality, idempotency_key_reused; for head-turn challenges "
    "liveness_failed, challenge_expired, challenge_invalid, challenge_required; for PIN and "
    "QR check-ins pin_incorrect, qr_invalid, qr_revoked)",
    429: "too many check-ins for this key (rate_limited), or too many wrong PINs for the "
    "person or at this kiosk (pin_locked, details.scope); Retry-After says when to retry",
    503: "a dependency is down (database_unavailable, storage_unavailable, "
    "embedder_unavailable), the database connection was lost while committing (commit_unknown: "
    "the write may or may not be kept; read it back or resend with the same Idempotency-Key), "
    "the embedders are at capacity (embedder_busy: Retry-After "
    "says when to retry), this replica's embedder runs another model than the gallery "
    "(model_mismatch), or the gallery moved to a new generation meanwhile (gallery_changed: "
    "send again)",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, each with the error body."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        documented[status] = {"model": ErrorBody, "description": MEANINGS[status]}
    if 429 in statuses:
        documented[429]["headers"] = {
            "Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}
        }
    return documented


# Every /api/v1 route needs a key, may meet a body limit, a bad request or a dependency down.
API_ERRORS = errors(401, 403, 413, 422, 503)

# The multipart bodies, by name: the contract puts them in components/schemas.
FORMS: dict[str, dict[str, Any]] = {}

_IMAGE = {
    "type": "string",
    "format": "binary",
    "description": "a JPEG, PNG, WebP, GIF, TIFF or BMP photo",
}


def multipart(name: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """openapi_extra for a route that reads a multipart form itself (through the streaming
    body limit, not FastAPI's form parameters); `name` titles the body for generators."""
    FORMS[name] = {"title": name, "type": "object", "properties": properties, "required": required}
    schema = {"$ref": f"#/components/schemas/{name}"}
    return {
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
    }


ENROLLMENT_FORM = multipart(
    "EnrollmentForm",
    {
        "image": _IMAGE,
        "employee_id": {"type": "string", "pattern": f"^{EMPLOYEE_ID.pattern}$"},
        "employee_name": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_NAME_LENGTH,
            "description": "trimmed; must not be blank",
        },
        "department": {"type": "string", "maxLength": MAX_DEPARTMENT_LENGTH},
        "email": {"type": "string", "maxLength": 254, "description": "name@example.com"},
        "confirm_distinct": {
            "type": "boolean",
            "default": False,
            "description": "true after HR checked a possible_duplicate: two different people "
            "(the form also takes 1/0, yes/no, on/off)",
        },
        "consent_method": {
            "type": "string",
            "enum": ["signature", "paper", "external"],
            "description": "records the person's consent with the photo (before it is stored)",
        },
        "consent_version": {
            "type": "integer",
            "description": "the notice version the person read (GET /privacy.json)",
        },
        "consent_signature": {"type": "string", "description": "the name they typed"},
        "consent_reference": {
            "type": "string",
            "description": "the paper form's or the other system's reference",
        },
    },
    ["image", "employee_id", "employee_name"],
)
CHECKIN_FORM = multipart("CheckinForm", {"image": _IMAGE}, ["image"])
CHALLENGE_FORM = multipart(
    "ChallengeForm",
    {
        "challenge": {"type": "string", "description": "the token POST /liveness/challenge gave"},
        "frames": {
            "type": "array",
            "items": _IMAGE,
            "minItems": 3,
            "maxItems": 8,
            "description": "the frames captured from the prompt on, in order",
        },
    },
    ["challenge", "frames"],
)

# ISO 8601: a date, or a date and time with an optional zone.
ISO_MOMENT = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
)
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def employee_id_query() -> Any:
    """The employee_id query parameter, shaped as enrollment demands it."""
    return Query(
        None, pattern=f"^{EMPLOYEE_ID.pattern}$", description="only this employee's check-ins"
    )
