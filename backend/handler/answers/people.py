"""Answers about employees: enrollment, records, faces."""

from typing import Literal

from pydantic import BaseModel, Field

from backend.handler.answers.base import WHEN, Day, Page, Timestamp, examples


class FaceBox(BaseModel):
    """A face's box in the photo, in the photo's pixels from its top left corner."""

    x: int
    y: int
    w: int
    h: int


class EnrollmentResult(BaseModel):
    """A face stored for an employee (created with them when new)."""

    model_config = examples(
        {
            "employee_id": "E042",
            "face_id": "7d2f1c7e1b7a4a5e9c353c0c1f4f2a10",
            "image_url": "/api/v1/employees/E042/faces/7d2f1c7e1b7a4a5e9c353c0c1f4f2a10/photo",
            "face_box": {"x": 212, "y": 96, "w": 180, "h": 231},
            "ignored_faces": 1,
        }
    )
    employee_id: str
    face_id: str = Field(description="32 hex digits")
    image_url: str = Field(description="the photo route of this face, relative to the backend")
    face_box: FaceBox = Field(description="the face enrolled (the photo's largest)")
    ignored_faces: int = Field(
        description="the photo's other faces, left out as background: each below the size "
        "floor or less than half the enrolled face's width"
    )


class Employee(BaseModel):
    model_config = examples(
        {
            "employee_id": "E042",
            "name": "Ada Lovelace",
            "department": "Engineering",
            "email": "ada@example.com",
            "created_at": WHEN,
            "status": "active",
            "left_on": None,
            "biometrics": "face",
        }
    )
    employee_id: str
    name: str
    department: str | None
    email: str | None
    created_at: Timestamp | None
    status: Literal["active", "left"] = Field(description="left: see left_on")
    left_on: Day | None = Field(description="the day the person left (status left)")
    biometrics: Literal["face", "none"] = Field(
        description="none: no face is kept (chosen, or consent declined or withdrawn); the "
        "person checks in with a PIN or QR code"
    )


class EmployeeSummary(Employee):
    """A line of the employee list: the employee, how many faces, the last check-in."""

    faces: int = Field(description="how many faces are enrolled")
    last_checkin: Timestamp | None
    consent: Literal["given", "declined", "withdrawn"] | None = Field(
        description="the person's latest consent decision; null: none recorded"
    )


class FaceQuality(BaseModel):
    face_size: int = Field(description="the face's width in pixels")
    sharpness: float
    brightness: float


class Face(BaseModel):
    """One enrolled photo of an employee."""

    face_id: str = Field(description="32 hex digits")
    photo_path: str = Field(description="the photo route of this face (same as image_url)")
    model: str
    detector: str
    quality: FaceQuality
    confirmed_distinct_from: str | None = Field(
        description="the look-alike HR confirmed this person is not (possible_duplicate)"
    )
    confirmed_by: str | None = Field(description="the API key name that confirmed it")
    image_url: str = Field(description="the photo route of this face, relative to the backend")
    created_at: Timestamp | None


class EmployeeDetails(Employee):
    """An employee with every enrolled face."""

    model_config = examples(
        {
            "employee_id": "E042",
            "name": "Ada Lovelace",
            "department": "Engineering",
            "email": "ada@example.com",
            "created_at": WHEN,
            "status": "active",
            "left_on": None,
            "biometrics": "face",
            "faces": [
                {
                    "face_id": "7d2f1c7e1b7a4a5e9c353c0c1f4f2a10",
                    "photo_path": "/api/v1/employees/E042/faces/"
                    "7d2f1c7e1b7a4a5e9c353c0c1f4f2a10/photo",
                    "model": "SFace",
                    "detector": "yunet",
                    "quality": {"face_size": 212, "sharpness": 141.2, "brightness": 121.7},
                    "confirmed_distinct_from": None,
                    "confirmed_by": None,
                    "image_url": "/api/v1/employees/E042/faces/"
                    "7d2f1c7e1b7a4a5e9c353c0c1f4f2a10/photo",
                    "created_at": WHEN,
                }
            ],
        }
    )
    faces: list[Face]


class EmployeePage(Page):
    """A page of employees, by id."""

    items: list[EmployeeSummary]
