"""The rules: which photos are good enough, which inputs are valid, where photos live."""

import math
import re
from dataclasses import dataclass
from typing import Any

from backend.domain.errors import ValidationFailed
from backend.domain.model import Quality

EMPLOYEE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
MAX_NAME_LENGTH = 128
NAME_RULE = f"1 to {MAX_NAME_LENGTH} characters"
MAX_DEPARTMENT_LENGTH = 128
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class QualityFloor:
    """Minimum figures an enrollment photo's face must reach."""

    min_face_size: int = 80
    min_sharpness: float = 25.0
    min_brightness: float = 40.0
    max_brightness: float = 225.0

    def failing(self, quality: Quality) -> dict[str, dict[str, float]]:
        """The figures below (or above) their limits, with the limit each missed."""
        failed: dict[str, dict[str, float]] = {}
        if quality.face_size < self.min_face_size:
            failed["face_size"] = {"value": quality.face_size, "minimum": self.min_face_size}
        if quality.sharpness < self.min_sharpness:
            failed["sharpness"] = {"value": quality.sharpness, "minimum": self.min_sharpness}
        if quality.brightness < self.min_brightness:
            failed["brightness"] = {"value": quality.brightness, "minimum": self.min_brightness}
        elif quality.brightness > self.max_brightness:
            failed["brightness"] = {"value": quality.brightness, "maximum": self.max_brightness}
        return failed


def unit_vector(embedding: tuple[float, ...] | list[float]) -> list[float]:
    """The embedding scaled to length 1, the form every stored vector takes."""
    norm = math.sqrt(math.fsum(x * x for x in embedding))
    if norm == 0.0:
        raise ValueError("zero embedding")
    return [x / norm for x in embedding]


def validate_employee(employee_id: str, name: str) -> tuple[str, str]:
    """The id and the trimmed name, or ValidationFailed naming each bad field."""
    fields: dict[str, Any] = {}
    if not EMPLOYEE_ID.fullmatch(employee_id or ""):
        fields["employee_id"] = "1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'"
    clean = _clean_name(name)
    if clean is None:
        fields["employee_name"] = NAME_RULE
    if fields:
        raise ValidationFailed("some fields are not valid", {"fields": fields})
    return employee_id, str(clean)


def validate_details(department: str | None, email: str | None) -> tuple[str | None, str | None]:
    """Optional department and email, trimmed (empty means none), or ValidationFailed."""
    fields: dict[str, Any] = {}
    department = (department or "").strip() or None
    email = (email or "").strip() or None
    if department is not None and len(department) > MAX_DEPARTMENT_LENGTH:
        fields["department"] = f"at most {MAX_DEPARTMENT_LENGTH} characters"
    if email is not None and (len(email) > 254 or not EMAIL.fullmatch(email)):
        fields["email"] = "an e-mail address such as name@example.com"
    if fields:
        raise ValidationFailed("some fields are not valid", {"fields": fields})
    return department, email


def validate_name(name: str) -> str:
    """A trimmed employee name, or ValidationFailed."""
    clean = _clean_name(name)
    if clean is None:
        raise ValidationFailed(
            "some fields are not valid", {"fields": {"employee_name": NAME_RULE}}
        )
    return clean


def _clean_name(name: str | None) -> str | None:
    """The trimmed name when it keeps to NAME_RULE, else None."""
    clean = (name or "").strip()
    return clean if 1 <= len(clean) <= MAX_NAME_LENGTH else None


def photo_key(employee_id: str, face_id: str, extension: str) -> str:
    """Where an enrollment photo lives in the object store; erasure deletes the prefix."""
    return f"{employee_prefix(employee_id)}{face_id}.{extension}"


def employee_prefix(employee_id: str) -> str:
    return f"employees/{employee_id}/"


SNAPSHOT_PREFIX = "checkins/"


def snapshot_prefix(employee_id: str | None) -> str:
    """Where an employee's check-in snapshots live (erasure deletes the prefix); faces that
    matched no one go under checkins/unknown/."""
    if employee_id is None:
        return f"{SNAPSHOT_PREFIX}unknown/"
    return f"{SNAPSHOT_PREFIX}employees/{employee_id}/"


def snapshot_key(employee_id: str | None, snapshot_id: str) -> str:
    return f"{snapshot_prefix(employee_id)}{snapshot_id}.jpg"


# Photos are stored as they were sent, with their real type (never converted): the
# first bytes decide. A type the embedder read but that is not listed here is stored as
# application/octet-stream rather than under a name it does not have.
IMAGE_TYPES: tuple[tuple[tuple[bytes, ...], str, str], ...] = (
    ((b"\xff\xd8",), "jpg", "image/jpeg"),
    ((b"\x89PNG\r\n\x1a\n",), "png", "image/png"),
    ((b"GIF87a", b"GIF89a"), "gif", "image/gif"),
    ((b"II*\x00", b"MM\x00*"), "tiff", "image/tiff"),
    ((b"BM",), "bmp", "image/bmp"),
)


def image_extension(data: bytes) -> tuple[str, str]:
    """File extension and content type of a stored photo, from its first bytes."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp", "image/webp"
    for signatures, extension, content_type in IMAGE_TYPES:
        if data.startswith(signatures):
            return extension, content_type
    return "bin", "application/octet-stream"
