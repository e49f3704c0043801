"""Every error the domain can raise: a stable code, a message and details."""

from typing import Any


class DomainError(Exception):
    """Base of facegate's errors; handler maps each code to a status in one table."""

    code = "error"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationFailed(DomainError):
    code = "validation_error"


class InvalidImage(DomainError):
    code = "invalid_image"


class ImageTooLarge(DomainError):
    code = "image_too_large"


class NoFaceDetected(DomainError):
    code = "no_face_detected"


class MultipleFaces(DomainError):
    code = "multiple_faces"


class LowQuality(DomainError):
    code = "low_quality"


class FaceAlreadyEnrolled(DomainError):
    code = "face_already_enrolled"


class PossibleDuplicate(DomainError):
    """Near an enrolled face of someone else, but not near enough to be sure: HR decides."""

    code = "possible_duplicate"


class PhotoAlreadyEnrolled(DomainError):
    code = "photo_already_enrolled"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after


class EmployeeNotFound(DomainError):
    code = "employee_not_found"


class BiometricsDeclined(DomainError):
    """The person has biometrics "none": no face of theirs may be stored."""

    code = "biometrics_declined"


class EmployeeExists(DomainError):
    code = "employee_exists"


class BiometricsEnabled(DomainError):
    """A PIN or QR code is only for a person with biometrics "none"."""

    code = "biometrics_enabled"


class PinIncorrect(DomainError):
    """The id and PIN do not match (the same answer whether the id exists or not)."""

    code = "pin_incorrect"


class PinLocked(RateLimited):
    """Too many wrong PINs for this person or at this kiosk: locked for a while."""

    code = "pin_locked"


class QrInvalid(DomainError):
    code = "qr_invalid"


class QrRevoked(DomainError):
    code = "qr_revoked"


class QrTokenNotFound(DomainError):
    code = "qr_token_not_found"


class FaceNotFound(DomainError):
    code = "face_not_found"


class ModelMismatch(DomainError):
    """The embedder runs another model than the gallery holds (a setup fault: 503)."""

    code = "model_mismatch"


class GalleryChanged(DomainError):
    """The gallery moved to another generation while a request ran: send it again."""

    code = "gallery_changed"


class ReembedConflict(DomainError):
    """Another re-embedding switched the gallery first; this run switched nothing."""

    code = "reembed_conflict"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class KeyNameTaken(DomainError):
    code = "key_name_taken"


class UserNameTaken(DomainError):
    """The directory already holds another person under this userName (or employee id)."""

    code = "user_name_taken"


class DirectoryPersonNotFound(DomainError):
    code = "directory_person_not_found"


class CheckinNotFound(DomainError):
    code = "checkin_not_found"


class SnapshotNotFound(DomainError):
    code = "snapshot_not_found"


class LivenessFailed(DomainError):
    """The frames did not show the asked head turn of one person (details.reason)."""

    code = "liveness_failed"


class ChallengeExpired(DomainError):
    code = "challenge_expired"


class ChallengeUsed(DomainError):
    code = "challenge_used"


class ChallengeInvalid(DomainError):
    code = "challenge_invalid"


class ChallengeRequired(DomainError):
    """This kiosk's key must answer a head-turn challenge (liveness=challenge)."""

    code = "challenge_required"


class KeyNotFound(DomainError):
    code = "key_not_found"


class SiteNotFound(DomainError):
    code = "site_not_found"


class SiteNameTaken(DomainError):
    code = "site_name_taken"


class WebhookNotFound(DomainError):
    code = "webhook_not_found"


class EmbedderUnavailable(DomainError):
    code = "embedder_unavailable"


class EmbedderBusy(DomainError):
    """The embedders are at capacity (each answers at once beyond its queue): retry."""

    code = "embedder_busy"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after


class DatabaseUnavailable(DomainError):
    """The database could not be reached, or the connection was lost before COMMIT: nothing
    of the request's transaction was written, so the request may be sent again."""

    code = "database_unavailable"


class CommitUnknown(DatabaseUnavailable):
    """The connection was lost while COMMIT was under way (the primary died): the write may
    or may not have been kept. Read it back, or repeat it with the same Idempotency-Key."""

    code = "commit_unknown"


class StorageUnavailable(DomainError):
    code = "storage_unavailable"


class DeliveryFailed(DomainError):
    """A webhook receiver did not take an event (unreachable, timeout, non-2xx)."""

    code = "delivery_failed"

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message, {"status": status})
        self.status = status


class IdempotencyKeyReused(DomainError):
    """An Idempotency-Key already used for a different request."""

    code = "idempotency_key_reused"


class IdempotencyKeyInUse(DomainError):
    """Another request with this Idempotency-Key is still running."""

    code = "idempotency_key_in_use"


class ConsentRequired(DomainError):
    """No face is stored for a person without a current consent (CONSENT_REQUIRED)."""

    code = "consent_required"


class NoticeOutdated(DomainError):
    """The consent names a notice version that is not the one in force."""

    code = "notice_outdated"


class SignInRefused(DomainError):
    """A single sign-on that did not end in a session; `code` says why (the page says so)."""

    code = "sign_in_refused"

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details)
        self.code = code
