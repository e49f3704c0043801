"""The embedder's answers as the backend reads them: one schema for both sides. The
embedder declares its routes' answers with these models (so its OpenAPI names them) and
the backend's client parses every answer through them, so a field renamed on one side
fails a test instead of a check-in."""

from pydantic import BaseModel, Field


class FaceBox(BaseModel):
    """The face's box in the oriented original image, and its eyes where found."""

    x: int
    y: int
    w: int
    h: int
    left_eye: list[int] | None = None
    right_eye: list[int] | None = None


class FaceQuality(BaseModel):
    face_size: int = Field(description="shorter side of the face box, in pixels")
    sharpness: float = Field(description="variance of the Laplacian of the aligned face")
    brightness: float = Field(description="mean grey level of the face, 0-255")


class WireFace(BaseModel):
    embedding: list[float]
    facial_area: FaceBox
    confidence: float
    quality: FaceQuality
    crop_jpeg: str | None = Field(default=None, description="base64 JPEG, with ?crop=true")
    landmarks: list[list[float]] | None = Field(
        default=None,
        description="five points: right eye, left eye, nose tip, mouth corners (?landmarks)",
    )


class ModelDescription(BaseModel):
    model: str
    dim: int
    detector: str


class ImageSize(BaseModel):
    width: int
    height: int


class Extraction(ModelDescription):
    """POST /api/v1/extract: the faces of one image, largest first."""

    image: ImageSize
    faces: list[WireFace]
    timing_ms: dict[str, float] = Field(default_factory=dict)


class ModelInfo(ModelDescription):
    """GET /api/v1/model."""

    align: bool = True
    deepface_version: str = ""
    thresholds: dict[str, float | None] = Field(default_factory=dict)
