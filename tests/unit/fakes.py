"""In-memory test doubles for the domain's ports."""

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from backend.domain.errors import (
    DomainError,
    GalleryChanged,
    IdempotencyKeyInUse,
    KeyNameTaken,
    StorageUnavailable,
)
from backend.domain.gallery_state import GalleryState
from backend.domain.model import (
    ApiKey,
    Checkin,
    CheckinFilter,
    CheckinRow,
    DailyAttendance,
    Delivery,
    DetectedFace,
    Dispute,
    Employee,
    EmployeeSummary,
    Extraction,
    FaceRecord,
    GuardedInsert,
    Match,
    Metric,
    ModelInfo,
    Page,
    Quality,
    Role,
    StoredAnswer,
    StoredPhoto,
    Webhook,
)

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

    def extract(self, image: bytes, *, crop: bool = False, landmarks: bool = False) -> Extraction:
        if self.error is not None:
            raise self.error
        faces = self.faces.get(image, [])
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
    `faces` holds each face with its vector of the current generation."""

    def __init__(self) -> None:
        self.employees: dict[str, Employee] = {}
        self.faces: dict[str, tuple[FaceRecord, list[float]]] = {}
        self.error: DomainError | None = None
        self.generation = 1  # the current generation (FakeGenerations moves it)

    def nearest(self, embedding: list[float], gallery: GalleryState, limit: int = 1) -> list[Match]:
        return self._ranked(embedding, gallery.metric, None)[:limit]

    def _ranked(self, embedding: list[float], metric: Metric, exclude: str | None) -> list[Match]:
        matches = [
            Match(
                record.employee_id,
                self.employees[record.employee_id].name,
                record.face_id,
                record.image_key,
                distance(vector, embedding, metric),
            )
            for record, vector in self.faces.values()
            if record.employee_id != exclude
        ]
        return sorted(matches, key=lambda m: m.distance)

    def add_face_unless_near(
        self,
        employee: Employee,
        face: FaceRecord,
        embedding: list[float],
        gallery: GalleryState,
        *,
        refuse_within: float,
        ask_within: float,
        confirmed: bool,
    ) -> GuardedInsert:
        if self.error is not None:
            raise self.error
        if gallery.generation != self.generation:
            raise GalleryChanged("the gallery moved to a new generation; send it again")
        near = self._ranked(embedding, gallery.metric, employee.employee_id)
        look_alike = near[0] if near and near[0].distance <= ask_within else None
        if look_alike is not None and (look_alike.distance <= refuse_within or not confirmed):
            return GuardedInsert(inserted=False, look_alike=look_alike)
        self.employees.setdefault(employee.employee_id, employee)
        if look_alike is not None:
            face = replace(face, confirmed_distinct_from=look_alike.employee_id)
        else:
            face = replace(face, confirmed_by=None)
        self.faces[face.face_id] = (face, embedding)
        return GuardedInsert(inserted=True, look_alike=look_alike)

    def face_with_photo(self, employee_id: str, content_sha256: str) -> str | None:
        for record, _ in self.faces.values():
            if record.employee_id == employee_id and record.content_sha256 == content_sha256:
                return record.face_id
        return None

    def get_employee(self, employee_id: str) -> Employee | None:
        return self.employees.get(employee_id)

    def update_employee(self, employee_id: str, changes: dict[str, str | None]) -> Employee | None:
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

    def delete_employee(self, employee_id: str) -> bool:
        if self.error is not None:
            raise self.error
        existed = self.employees.pop(employee_id, None) is not None
        for face_id in [f for f, (r, _) in self.faces.items() if r.employee_id == employee_id]:
            del self.faces[face_id]
        return existed

    def delete_face(self, employee_id: str, face_id: str) -> FaceRecord | None:
        record = self.faces.get(face_id)
        if record is None or record[0].employee_id != employee_id:
            return None
        del self.faces[face_id]
        return record[0]


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


class FakeCheckinLog:
    def __init__(self, names: dict[str, Employee] | None = None) -> None:
        self.rows: list[Checkin] = []
        self.names = names if names is not None else {}
        self.unknown: dict[tuple[datetime, str], int] = {}
        self.now = lambda: datetime.now(UTC)
        self.error: BaseException | None = None

    def record_matched_unless_repeat(  # type: ignore[no-untyped-def]
        self,
        employee_id,
        distance,
        api_key_name,
        window_seconds,
        *,
        face_id=None,
        snapshot_key=None,
    ):
        if self.error is not None:
            raise self.error
        now = self.now()
        for row in reversed(self.rows):
            if row.employee_id == employee_id and row.matched:
                if now - row.created_at < timedelta(seconds=window_seconds):
                    return row, True
                break
        row = Checkin(
            len(self.rows) + 1,
            employee_id,
            True,
            distance,
            api_key_name,
            now,
            snapshot_key=snapshot_key,
            face_id=face_id,
        )
        self.rows.append(row)
        return row, False

    def _named(self, row: Checkin) -> CheckinRow:
        employee = self.names.get(row.employee_id or "")
        return CheckinRow(row, employee.name if employee else None)

    def get(self, checkin_id: int) -> CheckinRow | None:
        found = [r for r in self.rows if r.checkin_id == checkin_id]
        return self._named(found[0]) if found else None

    def set_dispute(self, checkin_id: int, dispute: Dispute | None) -> CheckinRow | None:
        for i, row in enumerate(self.rows):
            if row.checkin_id == checkin_id:
                self.rows[i] = replace(row, dispute=dispute)
                return self._named(self.rows[i])
        return None

    def count_unknown(self, api_key_name: str, distance: float | None) -> None:
        hour = self.now().replace(minute=0, second=0, microsecond=0)
        self.unknown[hour, api_key_name] = self.unknown.get((hour, api_key_name), 0) + 1

    def unknown_by_hour(self, day, timezone):  # type: ignore[no-untyped-def]
        zone = ZoneInfo(timezone)
        counts: dict[int, int] = {}
        for (hour, _), n in self.unknown.items():
            local = hour.astimezone(zone)
            if local.date() == day:
                counts[local.hour] = counts.get(local.hour, 0) + n
        return counts

    def _matching(self, where: CheckinFilter) -> list[CheckinRow]:
        return [
            CheckinRow(c, self.names[c.employee_id].name if c.employee_id in self.names else None)
            for c in self.rows
            if (where.start is None or c.created_at >= where.start)
            and (where.end is None or c.created_at < where.end)
            and (where.employee_id is None or c.employee_id == where.employee_id)
            and (where.matched is None or c.matched == where.matched)
        ]

    def query(self, where: CheckinFilter, limit: int, offset: int) -> Page:
        rows = self._matching(where)
        return Page(rows[offset : offset + limit], len(rows), limit, offset)

    def stream(self, where: CheckinFilter):  # type: ignore[no-untyped-def]
        yield from self._matching(where)

    def daily(self, day, timezone):  # type: ignore[no-untyped-def]
        zone = ZoneInfo(timezone)
        seen: dict[str, list[datetime]] = {}
        for c in self.rows:
            if c.matched and c.employee_id and c.created_at.astimezone(zone).date() == day:
                seen.setdefault(c.employee_id, []).append(c.created_at)
        return [
            DailyAttendance(e, self.names[e].name, min(t), max(t), len(t))
            for e, t in sorted(seen.items())
        ]

    def record(self, employee_id, matched, distance, api_key_name, *, snapshot_key=None):  # type: ignore[no-untyped-def]
        if self.error is not None:
            raise self.error
        row = Checkin(
            len(self.rows) + 1,
            employee_id,
            matched,
            distance,
            api_key_name,
            datetime.now(UTC),
            snapshot_key=snapshot_key,
        )
        self.rows.append(row)
        return row


class FakeApiKeyStore:
    def __init__(self) -> None:
        self.keys: dict[str, tuple[ApiKey, str]] = {}

    def create(self, name: str, role: Role, key_hash: str) -> ApiKey:
        if name in self.keys:
            raise KeyNameTaken(f"a key named {name} already exists")
        key = ApiKey(name, role, datetime.now(UTC))
        self.keys[name] = (key, key_hash)
        return key

    def find(self, key_hash: str) -> tuple[ApiKey, str] | None:
        for key, stored in self.keys.values():
            if stored == key_hash and key.revoked_at is None:
                return key, stored
        return None

    def list(self) -> list[ApiKey]:
        return [k for k, _ in self.keys.values()]

    def revoke(self, name: str) -> bool:
        if name not in self.keys or self.keys[name][0].revoked_at is not None:
            return False
        key, stored = self.keys[name]
        self.keys[name] = (replace(key, revoked_at=datetime.now(UTC)), stored)
        return True

    def set_liveness(self, name: str, liveness: str) -> ApiKey | None:
        if name not in self.keys or self.keys[name][0].revoked_at is not None:
            return None
        key, stored = self.keys[name]
        self.keys[name] = (replace(key, liveness=liveness), stored)
        return self.keys[name][0]


class FakeChallengeLedger:
    def __init__(self) -> None:
        self.used: dict[str, datetime] = {}

    def signing_secret(self) -> bytes:
        return b"test-secret"

    def consume(self, challenge_id: str, expires_at: datetime) -> bool:
        if challenge_id in self.used:
            return False
        self.used[challenge_id] = expires_at
        return True


class FakeWebhookStore:
    def __init__(self) -> None:
        self.hooks: dict[int, Webhook] = {}
        self.sent: dict[int, list[Delivery]] = {}

    def create(self, url: str, events: tuple[str, ...], secret: str) -> Webhook:
        hook = Webhook(len(self.hooks) + 1, url, events, datetime.now(UTC), secret)
        self.hooks[hook.webhook_id] = hook
        return hook

    def get(self, webhook_id: int) -> Webhook | None:
        return self.hooks.get(webhook_id)

    def delete(self, webhook_id: int) -> bool:
        return self.hooks.pop(webhook_id, None) is not None

    def deliveries(self, webhook_id: int, limit: int, offset: int = 0) -> list[Delivery]:
        return self.sent.get(webhook_id, [])[::-1][offset : offset + limit]

    def count_deliveries(self, webhook_id: int) -> int:
        return len(self.sent.get(webhook_id, []))

    def list(self) -> list[Webhook]:
        return list(self.hooks.values())


class FakeIdempotencyStore:
    """Keys in a dict; a key held by a running request answers IdempotencyKeyInUse at
    once (PgIdempotencyStore waits for it first)."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], tuple[datetime, StoredAnswer]] = {}
        self.held: set[tuple[str, str]] = set()

    def claim(self, owner: str, key: str, request_hash: str, keep_for: timedelta):  # type: ignore[no-untyped-def]
        slot = (owner, key)
        if slot in self.held:
            raise IdempotencyKeyInUse("another request with this Idempotency-Key is running")
        stored = self.answers.get(slot)
        if stored is not None and stored[0] > datetime.now(UTC) - keep_for:
            return stored[1]
        self.held.add(slot)
        store = self

        class Claim:
            def keep(self, status: int, body: object) -> None:
                store.answers[slot] = (
                    datetime.now(UTC),
                    StoredAnswer(request_hash, status, body),
                )
                store.held.discard(slot)

            def release(self) -> None:
                store.held.discard(slot)

        return Claim()

    def forget_older_than(self, keep_for: timedelta) -> int:
        old = [s for s, (at, _) in self.answers.items() if at <= datetime.now(UTC) - keep_for]
        for slot in old:
            del self.answers[slot]
        return len(old)
