"""The ports: Protocols declared by their consumers (go-clean-arch), small, one per use.
Adapters in infrastructure implement them; fakes in tests implement exactly them."""

from backend.domain.ports.access import (
    ApiKeyStore,
    IdempotencyClaim,
    IdempotencyStore,
    RateBuckets,
    SiteStore,
    WebhookOutbox,
    WebhookSender,
    WebhookStore,
)
from backend.domain.ports.audit import AuditArchive, AuditTrail
from backend.domain.ports.credentials import (
    CredentialAdmin,
    CredentialSecret,
    QrToken,
    StoredPin,
)
from backend.domain.ports.directory import Departures, DirectoryStore, GroupStore, GroupWrites
from backend.domain.ports.gallery import (
    AdministeredFaces,
    CheckinFaces,
    Embedder,
    EnrollmentFaces,
    GalleryRow,
    GalleryStats,
    ImageStore,
    ReembeddedGallery,
)
from backend.domain.ports.privacy import ConsentRecords, RetentionRecords
from backend.domain.ports.records import (
    AttendanceRecords,
    ChallengeLedger,
    CheckinEvidence,
    CheckinLog,
    HeldSnapshots,
    PunchLog,
    SweptGallery,
    SweptPhotos,
    SweptSnapshots,
)
from backend.domain.ports.signin import IdentityProvider, SessionStore
from backend.domain.ports.storage import ResealableStore, RotationLedger

__all__ = [
    "AuditTrail",
    "AuditArchive",
    "GroupStore",
    "GroupWrites",
    "IdentityProvider",
    "SessionStore",
    "Departures",
    "DirectoryStore",
    "Embedder",
    "GalleryRow",
    "EnrollmentFaces",
    "CheckinFaces",
    "AdministeredFaces",
    "ReembeddedGallery",
    "GalleryStats",
    "ImageStore",
    "SweptGallery",
    "SweptPhotos",
    "SweptSnapshots",
    "HeldSnapshots",
    "AttendanceRecords",
    "CheckinEvidence",
    "CheckinLog",
    "PunchLog",
    "ChallengeLedger",
    "ApiKeyStore",
    "SiteStore",
    "WebhookStore",
    "WebhookOutbox",
    "WebhookSender",
    "IdempotencyClaim",
    "IdempotencyStore",
    "RateBuckets",
    "ResealableStore",
    "RotationLedger",
    "CredentialAdmin",
    "CredentialSecret",
    "QrToken",
    "StoredPin",
    "ConsentRecords",
    "RetentionRecords",
]
