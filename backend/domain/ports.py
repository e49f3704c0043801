"""What the domain needs from the outside world, declared on the consuming side."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from typing import Protocol

from backend.domain.gallery_state import GalleryState
from backend.domain.model import (
    ApiKey,
    Checkin,
    CheckinFilter,
    CheckinRow,
    DailyAttendance,
    Delivery,
    Dispute,
    Employee,
    Extraction,
    FaceRecord,
    GenerationClaim,
    GuardedInsert,
    Match,
    Metric,
    ModelInfo,
    Page,
    Role,
    StoredAnswer,
    StoredPhoto,
    Webhook,
)


class Embedder(Protocol):
    """Faces and embeddings of an image (the embedder service)."""

    def extract(self, image: bytes, *, crop: bool = False, landmarks: bool = False) -> Extraction:
        """With `crop`, each face also carries its aligned crop as JPEG (`crop_jpeg`); with
        `landmarks`, its five landmarks."""
        ...

    def model_info(self) -> ModelInfo: ...


class GalleryRow(Protocol):
    """The gallery's row (model, metric, generation, threshold settings), shared by every
    replica."""

    def read(self) -> GalleryState: ...

    def bind(self, model: ModelInfo, metric: Metric) -> GalleryState:
        """Bind an unbound or empty gallery to `model`, or confirm that it holds it
        (may_adopt decides); the row as it is then."""
        ...

    def set_thresholds(self, changes: dict[str, float | None]) -> GalleryState:
        """Write these validated threshold settings (None clears one) in one update,
        leaving the others as they are (an admin's recalibration); the row then."""
        ...


class EnrollmentFaces(Protocol):
    """What enrollment needs of the gallery: a photo's earlier face, a guarded insert."""

    def face_with_photo(self, employee_id: str, content_sha256: str) -> str | None:
        """The id of this employee's face stored from a photo with this hash, if any."""
        ...

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
        """Atomically, against the nearest face of another employee: store nothing when it
        lies within `refuse_within`, or within `ask_within` unless `confirmed`; else create
        the employee if new and insert the face, naming a confirmed look-alike with it.
        GalleryChanged when `gallery`'s generation is no longer the current one."""
        ...


class CheckinFaces(Protocol):
    """What check-in needs of the gallery: the nearest faces in a generation."""

    def nearest(self, embedding: list[float], gallery: GalleryState, limit: int = 1) -> list[Match]:
        """The nearest faces of `gallery`'s generation, nearest first."""
        ...


class AdministeredFaces(Protocol):
    """What employee administration needs: reading, renaming and erasing."""

    def get_employee(self, employee_id: str) -> Employee | None: ...

    def update_employee(self, employee_id: str, changes: dict[str, str | None]) -> Employee | None:
        """Apply changes (name, department, email); None when there is no such employee."""
        ...

    def employee_summaries(self, search: str, limit: int, offset: int) -> Page:
        """EmployeeSummary items whose id, name or department contains `search`."""
        ...

    def faces_of(self, employee_id: str) -> list[FaceRecord]: ...

    def delete_employee(self, employee_id: str) -> bool:
        """Delete the employee with its faces and check-ins; False if there was none."""
        ...

    def delete_face(self, employee_id: str, face_id: str) -> FaceRecord | None: ...


class ReembeddedGallery(Protocol):
    """What re-embedding needs: a generation of its own, switched in by one row update."""

    def all_faces(self) -> list[FaceRecord]: ...

    def claim_generation(self, model: ModelInfo, metric: Metric) -> GenerationClaim:
        """A new generation, never given to another run, holding no vectors yet."""
        ...

    def stage(self, claim: GenerationClaim, face: FaceRecord, embedding: list[float]) -> None: ...

    def faces_missing(self, claim: GenerationClaim) -> list[FaceRecord]:
        """Faces (enrolled since the run began) that have no vector in the claim yet."""
        ...

    def build_index(self, claim: GenerationClaim) -> None:
        """The claim's search index, built before the switch, blocking no one."""
        ...

    def switch(self, claim: GenerationClaim, catch_up: Callable[[FaceRecord], list[float]]) -> None:
        """Under the enrollment lock: vectors for faces still missing (from `catch_up`),
        then the row moved to the claim if it still names the claim's base generation,
        else ReembedConflict (nothing switched)."""
        ...

    def abandon(self, claim: GenerationClaim) -> None:
        """Drop the claim's vectors (a run that failed or lost)."""
        ...

    def retire_before(self, claim: GenerationClaim) -> None:
        """After the switch: drop the generation the claim replaced and older ones (never
        a newer one, which may be another run's under way)."""
        ...


class GalleryStats(Protocol):
    """How big the gallery is: its threshold depends on it."""

    def count_faces(self) -> int: ...

    def count_employees(self) -> int: ...


class ImageStore(Protocol):
    """Enrollment photos in object storage."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def open(self, key: str) -> StoredPhoto | None:
        """The photo as it streams from the store; None when there is none under key."""
        ...


class SweptGallery(Protocol):
    """What the photo sweep needs of the gallery: one sweeper at a time, and names."""

    def sweeping(self) -> AbstractContextManager[bool]:
        """Held while sweeping: True when this process may sweep (no other one does)."""
        ...

    def image_keys_named(self, keys: list[str]) -> set[str]:
        """Those of `keys` that a face row names."""
        ...


class SweptPhotos(Protocol):
    """What the photo sweep needs of the object store."""

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Every stored key under prefix with the time it was stored."""
        ...

    def delete(self, key: str) -> None: ...


class SweptSnapshots(Protocol):
    """What the snapshot sweep needs of the check-in log: one sweeper at a time, names,
    and the snapshots past their retention."""

    def sweeping(self) -> AbstractContextManager[bool]:
        """Held while sweeping: True when this process may sweep (no other one does)."""
        ...

    def snapshot_keys_named(self, keys: list[str]) -> set[str]:
        """Those of `keys` that a check-in row names."""
        ...

    def forget_snapshots_before(self, cutoff: datetime, limit: int) -> list[str]:
        """Unlink up to `limit` snapshots of check-ins older than cutoff from their rows
        (committed) and return their keys, for the caller to delete."""
        ...


class CheckinRecorder(Protocol):
    """What a check-in writes: one row per answer that saw a face, repeats folded."""

    def record(
        self,
        employee_id: str | None,
        matched: bool,
        distance: float | None,
        api_key_name: str,
        *,
        snapshot_key: str | None = None,
    ) -> Checkin: ...

    def record_matched_unless_repeat(
        self,
        employee_id: str,
        distance: float,
        api_key_name: str,
        window_seconds: float,
        *,
        face_id: str | None = None,
        snapshot_key: str | None = None,
    ) -> tuple[Checkin, bool]:
        """Atomically across replicas: the employee's matched check-in of the last
        `window_seconds` and True if there is one (nothing written), else a new one
        (naming the face it matched and its snapshot) and False."""
        ...

    def count_unknown(self, api_key_name: str, distance: float | None) -> None:
        """Count an unmatched attempt in its hour for this kiosk (no row per attempt)."""
        ...


class AttendanceRecords(Protocol):
    """What attendance reads: check-ins filtered, streamed, and per day."""

    def unknown_by_hour(self, day: date, timezone: str) -> dict[int, int]:
        """Unmatched attempts of that day per local hour (0-23), hours with none left out."""
        ...

    def query(self, where: CheckinFilter, limit: int, offset: int) -> Page: ...

    def stream(self, where: CheckinFilter) -> Iterator[CheckinRow]:
        """Every matching check-in, oldest first, without holding them all in memory."""
        ...

    def daily(self, day: date, timezone: str) -> list[DailyAttendance]:
        """Each employee's first and last matched check-in on that day in that zone."""
        ...


class CheckinEvidence(Protocol):
    """What evidence reads and marks: one check-in, and its dispute."""

    def get(self, checkin_id: int) -> CheckinRow | None: ...

    def set_dispute(self, checkin_id: int, dispute: Dispute | None) -> CheckinRow | None:
        """Mark the check-in disputed (or clear it with None); None when there is none."""
        ...


class CheckinLog(CheckinRecorder, AttendanceRecords, CheckinEvidence, Protocol):
    """The attendance record as one adapter keeps it: every consumer's port."""


class ChallengeLedger(Protocol):
    """What the head-turn challenge needs of the database: a secret every replica shares,
    and a record of answered challenges so that each is used once."""

    def signing_secret(self) -> bytes: ...

    def consume(self, challenge_id: str, expires_at: datetime) -> bool:
        """Record the challenge as answered; False when it already was (on any replica)."""
        ...


class ApiKeyStore(Protocol):
    """API keys, kept as hashes only."""

    def create(self, name: str, role: Role, key_hash: str) -> ApiKey: ...

    def find(self, key_hash: str) -> tuple[ApiKey, str] | None:
        """The live key with this hash and the stored hash, or None."""
        ...

    def list(self) -> list[ApiKey]: ...

    def revoke(self, name: str) -> bool: ...

    def set_liveness(self, name: str, liveness: str) -> ApiKey | None:
        """Set a live key's liveness mode; None when there is no such live key."""
        ...


class WebhookStore(Protocol):
    """Registered webhooks and what was delivered to them."""

    def create(self, url: str, events: tuple[str, ...], secret: str) -> Webhook: ...

    def get(self, webhook_id: int) -> Webhook | None: ...

    def delete(self, webhook_id: int) -> bool: ...

    def deliveries(self, webhook_id: int, limit: int, offset: int = 0) -> list[Delivery]:
        """The newest deliveries of a webhook first, skipping the `offset` newest."""
        ...

    def count_deliveries(self, webhook_id: int) -> int: ...

    def list(self) -> list[Webhook]: ...


class WebhookOutbox(Protocol):
    """The outbox as the delivery worker sees it; safe with several replicas."""

    def claim(self, limit: int, lease: timedelta) -> list[Webhook]:
        """Lease up to `limit` webhooks whose oldest pending event is due and which no
        other worker holds (SELECT ... FOR UPDATE SKIP LOCKED)."""
        ...

    def pending(self, webhook_id: int, limit: int) -> list[Delivery]:
        """The webhook's pending events, oldest first."""
        ...

    def delivered(self, delivery_id: int, status: int) -> None: ...

    def failed(
        self, delivery_id: int, error: str, status: int | None, retry_at: datetime | None
    ) -> None:
        """Note a failed attempt; retry at `retry_at`, or give up when it is None."""
        ...

    def release(self, webhook_id: int) -> None: ...

    def prune(self, older_than: timedelta) -> int:
        """Forget delivered and given-up events older than that; how many went."""
        ...


class WebhookSender(Protocol):
    """POSTs one event to a receiver."""

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """The receiver's 2xx status; raises DeliveryFailed otherwise."""
        ...


class IdempotencyClaim(Protocol):
    """One request's hold on an Idempotency-Key, until it keeps its answer or lets go."""

    def keep(self, status: int, body: object) -> None:
        """Store the answer under the key; retries get it from now on."""
        ...

    def release(self) -> None:
        """Let the key go without an answer (the request failed): a retry runs again."""
        ...


class IdempotencyStore(Protocol):
    """Idempotency keys of creates, per API key, shared by every replica."""

    def claim(
        self, owner: str, key: str, request_hash: str, keep_for: timedelta
    ) -> IdempotencyClaim | StoredAnswer:
        """Hold `key` of `owner` for this request, or the answer stored under it within
        `keep_for`; while another request holds it, wait for that one (raises
        IdempotencyKeyInUse when it takes too long)."""
        ...

    def forget_older_than(self, keep_for: timedelta) -> int:
        """Delete the keys stored longer ago than `keep_for`; how many went."""
        ...


class RateBuckets(Protocol):
    """Token buckets shared by every replica (RateLimiter's arithmetic, kept in a store)."""

    def take(self, key: str, rate_per_second: float, capacity: float) -> float | None:
        """Refill `key`'s bucket for the time since it was last seen (a new key starts
        full) and spend one token if there is one, atomically; return None when a token was
        spent, else the tokens held (less than one)."""
        ...
