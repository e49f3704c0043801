"""What the audit log records: its actions, who acted, an entry, a filter and the anchor
the chain resumes from after pruning. The log itself (reading, verifying, pruning) is in
audit_log.py; the ports that store it are in ports/audit.py."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backend.domain.model import ApiKey

GENESIS = "0" * 64  # the previous hash of the first entry ever written

# What is recorded; one name per kind of change or read of biometric data.
KEY_CREATED = "key.created"
KEY_REVOKED = "key.revoked"
KEY_CHANGED = "key.changed"
EMPLOYEE_ENROLLED = "employee.enrolled"
EMPLOYEE_CHANGED = "employee.changed"
EMPLOYEE_ERASED = "employee.erased"
FACE_ADDED = "face.added"
FACE_REMOVED = "face.removed"
PHOTO_VIEWED = "photo.viewed"
SNAPSHOT_VIEWED = "snapshot.viewed"
EXPORTED = "employee.exported"
DISPUTED = "checkin.disputed"
CONSENT_GIVEN = "consent.given"
CONSENT_WITHDRAWN = "consent.withdrawn"
BIOMETRICS_CHOSEN = "biometrics.chosen"  # face or none; none destroys the person's biometrics
CONSENT_DECLINED = "consent.declined"
NOTICE_PUBLISHED = "consent.notice_published"
BIOMETRICS_DESTROYED = "biometrics.destroyed"  # withdrawal, refusal or the retention schedule
ATTENDANCE_DELETED = "attendance.deleted"  # check-ins past RETENTION_ATTENDANCE_DAYS
RECALIBRATED = "gallery.recalibrated"
REEMBEDDED = "gallery.reembedded"
WEBHOOK_CREATED = "webhook.created"
WEBHOOK_DELETED = "webhook.deleted"
RETENTION_RUN = "retention.run"
AUDIT_EXPORTED = "audit.exported"
AUDIT_PRUNED = "audit.pruned"
STORAGE_ROTATION_STARTED = "storage.rotation_started"
STORAGE_ROTATED = "storage.rotated"
SITE_CREATED = "site.created"
SITE_CHANGED = "site.changed"
EMPLOYEE_SITES_CHANGED = "employee.sites_changed"  # where the employee may check in
PROVISIONED = "directory.provisioned"  # the identity provider (SCIM) created the person
DIRECTORY_CHANGED = "directory.changed"  # the identity provider replaced or patched them
DEPROVISIONED = "directory.deprovisioned"  # the identity provider deleted them
LEFT = "employee.left"  # marked left on a day (the retention schedule counts from it)
RETURNED = "employee.returned"  # active again after having left
EMPLOYEE_ADDED = "employee.added"  # by HR without a photo (a PIN or QR person, or later face)
PIN_SET = "pin.set"
PIN_REMOVED = "pin.removed"
PIN_UNLOCKED = "pin.unlocked"  # a person's or a kiosk's lockout lifted by HR
QR_ISSUED = "qr.issued"
QR_REVOKED = "qr.revoked"


@dataclass(frozen=True)
class Actor:
    """Who acted: an API key (kind "api_key", its name), or a person signed in with the
    company account (kind "person", id subject@issuer, their name)."""

    kind: str
    id: str
    name: str

    @staticmethod
    def of_key(key: ApiKey) -> "Actor":
        if key.person is not None:
            person = key.person
            return Actor("person", f"{person.subject}@{person.issuer}", person.name)
        return Actor("api_key", key.name, key.name)


SYSTEM = Actor("system", "facegate", "facegate")  # background jobs
COMMAND_LINE = Actor("cli", "facegate", "facegate command line")  # an operator at the shell


@dataclass(frozen=True)
class AuditEntry:
    """One recorded act; seq, prev_hash and hash are set when it is appended."""

    at: datetime
    actor: Actor
    action: str
    subject_kind: str
    subject_id: str
    details: dict[str, Any] = field(default_factory=dict)
    seq: int = 0
    prev_hash: str = ""
    hash: str = ""


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    subject: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Anchor:
    """Where the chain resumes after pruning: the last pruned entry's seq and hash."""

    through_seq: int
    hash: str
