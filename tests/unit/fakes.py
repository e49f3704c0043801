"""In-memory test doubles for the domain's ports."""

import math
from dataclasses import replace

from backend.domain.errors import (
    DomainError,
    StorageUnavailable,
)
from backend.domain.gallery_state import GalleryState
from backend.domain.model import (
    DetectedFace,
    Employee,
    EmployeeSummary,
    Extraction,
    FaceRecord,
    Match,
    Metric,
    ModelInfo,
    Page,
    Quality,
    StoredPhoto,
)
from backend.domain.privacy import ConsentRecord

DLIB = ModelInfo("Dlib", 3, "dlib", {"cosine": 0.07, "euclidean_l2": 0.4, "euclidean": 0.6})
GOOD = Quality(face_size=200, sharpness=300.0, brightness=120.0)


def face(embedding: tuple[float, ...], quality: Quality = GOOD) -> DetectedFace:
    return DetectedFace(embedding, {"x": 0, "y": 0, "w": 200, "h": 200}, 0.99, quality)


class FakeEmbedder:
    """Answers with the faces registered for an image's bytes."""

    def __init__(self, model: ModelInfo = DLIB) -> None:
        self.model = model
        self.faces: dict[bytes, list[DetectedFace]] = {}
        self.error: DomainError | None = None
        self.asked_largest: list[bool] = []  # per call, whether only the largest face was asked

    def extract(
        self, image: bytes, *, crop: bool = False, landmarks: bool = False, largest: bool = False
    ) -> Extraction:
        if self.error is not None:
            raise self.error
        self.asked_largest.append(largest)
        faces = self.faces.get(image, [])
        if largest:
            faces = faces[:1]  # registered largest first, as the embedder answers
        if crop:  # a stand-in for the aligned crop: the image's own bytes
            faces = [replace(f, crop_jpeg=b"\xff\xd8crop:" + image) for f in faces]
        return Extraction(self.model, faces)

    def model_info(self) -> ModelInfo:
        return self.model


def distance(a: list[float], b: list[float], metric: Metric) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    if metric is Metric.EUCLIDEAN:
        return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))
    return 1.0 - dot


class FakeFaceRepository:
    """EnrollmentFaces, CheckinFaces, AdministeredFaces and GalleryStats in memory:
    `faces` holds each face with its vector of the current generation (written by the
    unit of work's fake, fake_uow)."""

    def __init__(self) -> None:
        self.employees: dict[str, Employee] = {}
        self.faces: dict[str, tuple[FaceRecord, list[float]]] = {}
        self.error: DomainError | None = None
        self.generation = 1  # the current generation (FakeGenerations moves it)
        self.consents: dict[str, list[ConsentRecord]] = {}  # FakeConsentRecords writes them
        self.allowed_sites: dict[str, set[int]] = {}  # absent: allowed at every site

    def _allowed_at(self, employee_id: str, site_id: int | None) -> bool:
        sites = self.allowed_sites.get(employee_id)
        return site_id is None or sites is None or site_id in sites

    def nearest(
        self,
        embedding: list[float],
        gallery: GalleryState,
        limit: int = 1,
        site_id: int | None = None,
    ) -> list[Match]:
        found = ranked(self, embedding, gallery.metric, None)
        return [m for m in found if self._allowed_at(m.employee_id, site_id)][:limit]

    def count_faces_at(self, site_id: int) -> int:
        return sum(self._allowed_at(r.employee_id, site_id) for r, _ in self.faces.values())

    def face_with_photo(self, employee_id: str, content_sha256: str) -> str | None:
        for record, _ in self.faces.values():
            if record.employee_id == employee_id and record.content_sha256 == content_sha256:
                return record.face_id
        return None

    def biometrics_of(self, employee_id: str) -> str | None:
        employee = self.employees.get(employee_id)
        return None if employee is None else employee.biometrics

    def get_employee(self, employee_id: str) -> Employee | None:
        return self.employees.get(employee_id)

    def update_employee(self, employee_id: str, changes: dict[str, object]) -> Employee | None:
        if employee_id not in self.employees:
            return None
        self.employees[employee_id] = replace(self.employees[employee_id], **changes)  # type: ignore[arg-type]
        return self.employees[employee_id]

    def count_faces(self) -> int:
        return len(self.faces)

    def count_employees(self) -> int:
        return len(self.employees)

    def employee_summaries(self, search: str, limit: int, offset: int) -> Page:
        needle = search.lower()
        items = [
            EmployeeSummary(e, len(self.faces_of(e.employee_id)), None)
            for e in sorted(self.employees.values(), key=lambda e: e.employee_id)
            if needle in f"{e.employee_id}\n{e.name}\n{e.department or ''}".lower()
        ]
        return Page(items[offset : offset + limit], len(items), limit, offset)

    def faces_of(self, employee_id: str) -> list[FaceRecord]:
        return [r for r, _ in self.faces.values() if r.employee_id == employee_id]


def ranked(
    repo: "FakeFaceRepository", embedding: list[float], metric: Metric, exclude: str | None
) -> list[Match]:
    """Every face (but `exclude`'s) by distance from `embedding`, nearest first."""
    matches = [
        Match(
            record.employee_id,
            repo.employees[record.employee_id].name,
            record.face_id,
            record.image_key,
            distance(vector, embedding, metric),
        )
        for record, vector in repo.faces.values()
        if record.employee_id != exclude
    ]
    return sorted(matches, key=lambda m: m.distance)


class FakeImageStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.put_error: DomainError | None = None
        self.delete_error: DomainError | None = None

    def put(self, key: str, data: bytes, content_type: str) -> None:
        if self.put_error is not None:
            raise self.put_error
        self.objects[key] = data

    def delete(self, key: str) -> None:
        if self.delete_error is not None:
            raise self.delete_error
        self.objects.pop(key, None)

    def delete_prefix(self, prefix: str) -> None:
        if self.delete_error is not None:
            raise self.delete_error
        for key in [k for k in self.objects if k.startswith(prefix)]:
            del self.objects[key]

    def get(self, key: str) -> bytes:
        if key not in self.objects:  # as S3ImageStore reports a photo it cannot read
            raise StorageUnavailable("could not read the photo")
        return self.objects[key]

    def open(self, key: str) -> StoredPhoto | None:
        if key not in self.objects:
            return None
        data = self.objects[key]
        return StoredPhoto(iter([data[:4], data[4:]]), "image/jpeg")
