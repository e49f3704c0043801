"""Answers for operators and integrators: the gallery, health, keys, webhooks."""

from typing import Literal

from pydantic import BaseModel, Field

from backend.handler.answers.base import WHEN, Page, Timestamp, examples


class GallerySetting(BaseModel):
    """A threshold setting: the value in force (null: none, the calibration decides)."""

    value: int | float | None
    source: Literal["gallery", "configuration"] = Field(
        description="gallery: set by an admin in the gallery's row; configuration: the "
        "environment's setting (or its default)"
    )


class GalleryReport(BaseModel):
    """The gallery's model and size, the thresholds in use and what they promise."""

    model_config = examples(
        {
            "model": "SFace",
            "dim": 128,
            "detector": "yunet",
            "metric": "cosine",
            "employees": 120,
            "faces": 355,
            "match_threshold": 0.5312,
            "duplicate_refuse_threshold": 0.3178,
            "threshold_basis": "calibrated",
            "stranger_accept_target": 0.005,
            "expected_stranger_accept": 0.005,
            "expected_recognition": 0.961,
            "calibration": "LFW View 1 training people",
            "warning": None,
            "match_min_gallery": 100,
            "threshold_floor_in_force": False,
            "thresholds_sized_for": 355,
            "generation": 1,
            "settings": {
                "stranger_accept_rate": {"value": 0.005, "source": "configuration"},
                "match_threshold": {"value": None, "source": "configuration"},
                "duplicate_threshold": {"value": None, "source": "configuration"},
                "match_margin": {"value": 0.1, "source": "configuration"},
                "match_min_gallery": {"value": 100, "source": "configuration"},
            },
        }
    )
    model: str
    dim: int
    detector: str
    metric: Literal["cosine", "euclidean", "inner_product"]
    generation: int = Field(description="the generation of vectors in use (one per re-embed)")
    employees: int
    faces: int
    match_threshold: float
    duplicate_refuse_threshold: float
    threshold_basis: Literal["calibrated", "configured", "deepface_1to1"] = Field(
        description="where the thresholds come from"
    )
    stranger_accept_target: float
    expected_stranger_accept: float | None
    expected_recognition: float | None
    calibration: str | None
    warning: str | None
    match_min_gallery: int = Field(
        description="the threshold floor: the calibrated thresholds are never looser than "
        "those for a gallery of this many faces"
    )
    threshold_floor_in_force: bool = Field(
        description="true while fewer faces are enrolled than the floor: the thresholds in "
        "use are those for match_min_gallery faces"
    )
    thresholds_sized_for: int | None = Field(
        description="the gallery size the calibrated thresholds are for (null when "
        "configured or uncalibrated)"
    )
    settings: dict[str, GallerySetting] = Field(
        description="each threshold setting in force, and where it comes from"
    )


class WhoAmI(BaseModel):
    """The calling API key."""

    model_config = examples(
        {
            "name": "front-door",
            "role": "kiosk",
            "liveness": "off",
            "site_name": "Main office",
            "direction": "both",
        }
    )
    name: str
    role: Literal["admin", "kiosk", "enroll"]
    liveness: Literal["off", "challenge"] = Field(
        description="challenge: this key checks in by answering a head-turn challenge"
    )
    site_name: str = Field(description="the site the kiosk page shows")
    direction: Literal["in", "out", "both"]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    """No dependency down for longer than READY_GRACE_SECONDS ("blip": failing, but it
    answered within the grace), and the gallery's report (null while the database blips)."""

    status: Literal["ready"]
    checks: dict[str, Literal["up", "blip", "down"]]
    gallery: GalleryReport | None


class Key(BaseModel):
    """An API key; its secret is never shown again after it was created."""

    model_config = examples(
        {
            "name": "front-door",
            "role": "kiosk",
            "created_at": WHEN,
            "last_used_at": WHEN,
            "revoked_at": None,
            "liveness": "challenge",
            "site_id": 1,
            "site_name": "Main office",
            "direction": "both",
        }
    )
    name: str
    role: Literal["admin", "kiosk", "scim", "enroll"]
    created_at: Timestamp | None
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None
    liveness: Literal["off", "challenge"] = Field(
        description="off: check-in from one frame; challenge: a head turn is asked for"
    )
    site_id: int = Field(description="the site the key's kiosk stands at")
    site_name: str
    direction: Literal["in", "out", "both"] = Field(
        description="which way its check-ins go; both: first of a working day in, then alternating"
    )


class KeyCreated(Key):
    """A new key with its secret, shown in this answer only (and to its retries)."""

    key: str = Field(description="the secret to send as X-API-Key")


class KeyPage(Page):
    """API keys by name, revoked ones too."""

    items: list[Key]


class Webhook(BaseModel):
    model_config = examples(
        {
            "webhook_id": 3,
            "url": "https://payroll.example.com/facegate",
            "events": ["checkin.matched", "employee.erased"],
            "created_at": WHEN,
        }
    )
    webhook_id: int
    url: str
    events: list[str]
    created_at: Timestamp | None


class WebhookCreated(Webhook):
    """A new webhook with its signing secret, shown in this answer only (and to retries)."""

    secret: str = Field(description="signs each delivery (X-Facegate-Signature)")


class WebhookPage(Page):
    """Registered webhooks, and every event a webhook may ask for."""

    items: list[Webhook]
    events: list[str] = Field(description="the events a webhook may ask for")


class Delivery(BaseModel):
    """One event on its way to one webhook."""

    delivery_id: int
    event_id: str
    event: str
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    created_at: Timestamp | None
    next_attempt_at: Timestamp | None = Field(description="set while pending")
    delivered_at: Timestamp | None
    last_status: int | None
    last_error: str | None


class DeliveryPage(Page):
    """A webhook's deliveries, newest first."""

    items: list[Delivery]
