"""Consent before capture: the notice in force, each person's decision, and withdrawal,
which destroys the person's biometric data at once."""

from dataclasses import dataclass

from backend.domain.audit import (
    BIOMETRICS_DESTROYED,
    CONSENT_DECLINED,
    CONSENT_GIVEN,
    CONSENT_WITHDRAWN,
    NOTICE_PUBLISHED,
    Actor,
)
from backend.domain.errors import (
    ConsentRequired,
    EmployeeNotFound,
    NoticeOutdated,
    ValidationFailed,
)
from backend.domain.model import Biometrics, Employee
from backend.domain.policy import employee_prefix, snapshot_prefix, validate_employee
from backend.domain.ports import AdministeredFaces, AuditTrail, ConsentRecords, ImageStore
from backend.domain.privacy import (
    DEFAULT_AUTHOR,
    ConsentRecord,
    ConsentStatement,
    Decision,
    Destroyed,
    Method,
    Notice,
    PrivacySettings,
    default_notice,
)
from backend.domain.unit_of_work import UnitOfWorkFactory

MAX_NOTICE_LENGTH = 20_000
MAX_REFERENCE_LENGTH = 200


@dataclass(frozen=True)
class Recorded:
    record: ConsentRecord
    destroyed: Destroyed | None


def same_name(a: str, b: str) -> bool:
    """Typed names compare without case and extra spaces."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


class BiometricObjects:
    """Removes a person's stored photos and snapshots (after their rows went)."""

    def __init__(self, images: ImageStore) -> None:
        self._images = images

    def remove(self, employee_id: str) -> None:
        # By prefix, so that a retry also takes what an interrupted earlier attempt left;
        # the sweeps remove anything a crash right here leaves (no row names it any more).
        self._images.delete_prefix(employee_prefix(employee_id))
        self._images.delete_prefix(snapshot_prefix(employee_id))


class ConsentService:
    """The notice, consent records, and the rule that gates enrollment."""

    def __init__(
        self,
        *,
        records: ConsentRecords,
        uow: UnitOfWorkFactory,
        people: AdministeredFaces,
        images: ImageStore,
        audit: AuditTrail,
        settings: PrivacySettings,
    ) -> None:
        self._records = records
        self._uow = uow
        self._people = people
        self._objects = BiometricObjects(images)
        self._audit = audit
        self.settings = settings

    def notice(self) -> Notice:
        """The notice in force: the operator's latest, or the shipped default."""
        current = self._records.current_notice()
        if current is not None:
            return current
        text = default_notice(self.settings.schedule)
        return self._records.publish_notice(text, DEFAULT_AUTHOR, first_only=True)

    def publish_notice(self, text: str, actor: Actor) -> Notice:
        """A new version of the notice; consents given earlier name the version they read."""
        text = (text or "").strip()
        if not 1 <= len(text) <= MAX_NOTICE_LENGTH:
            raise ValidationFailed(
                "the notice needs a text",
                {"fields": {"text": f"1 to {MAX_NOTICE_LENGTH} characters"}},
            )
        notice = self._records.publish_notice(text, actor.name)
        self._audit.record(actor, NOTICE_PUBLISHED, "notice", str(notice.version))
        return notice

    def record(
        self,
        employee_id: str,
        statement: ConsentStatement,
        actor: Actor,
        employee_name: str | None = None,
    ) -> Recorded:
        """Record a decision. Given: faces may be stored. Declined or withdrawn: the
        person's faces, vectors, photos and snapshots are destroyed at once and the
        person checks in without a face from then on."""
        employee = self._employee(employee_id, employee_name)
        version = self._version(statement)
        signature, reference = self._evidence(statement, employee.name)
        record = ConsentRecord(
            employee_id=employee.employee_id,
            notice_version=version,
            decision=statement.decision,
            method=statement.method,
            recorded_by=actor.name,
            signature=signature,
            reference=reference,
        )
        given = statement.decision is Decision.GIVEN
        with self._uow() as uow:
            if not given:  # the lock enrollment takes: no face of theirs lands meanwhile
                uow.lock_enrollment()
            biometrics = Biometrics.FACE if given else Biometrics.NONE
            if given and uow.faces.biometrics_of(employee.employee_id) == Biometrics.NONE:
                # Back to the face, as choosing "face" does: no PIN or QR code is kept.
                uow.credentials.forget_credentials(employee.employee_id, actor.name)
            stored = uow.consents.add(employee, record, biometrics.value)
            details = {"notice_version": version, "method": statement.method.value}
            action = CONSENT_ACTIONS[statement.decision]
            uow.record(actor, action, "employee", employee.employee_id, details)
            destroyed = None if given else uow.faces.destroy_biometrics(employee.employee_id)
            if destroyed is not None:
                why = destruction(destroyed, statement.decision.value)
                uow.record(actor, BIOMETRICS_DESTROYED, "employee", destroyed.employee_id, why)
            uow.commit()
        if not given:
            self._objects.remove(employee.employee_id)
        return Recorded(stored, destroyed)

    def give_with_photo(
        self, employee_id: str, statement: ConsentStatement, actor: Actor, employee_name: str
    ) -> None:
        """A consent sent with an enrollment photo: recorded unless the same consent is
        already the one in force (bulk enrollment sends it with every photo)."""
        history = self._records.history(employee_id)
        if history and self._same_as(history[-1], statement) is not None:
            return
        self.record(employee_id, statement, actor, employee_name)

    def history(self, employee_id: str) -> list[ConsentRecord]:
        if self._people.get_employee(employee_id) is None:
            raise EmployeeNotFound(f"no employee {employee_id}", {"employee_id": employee_id})
        return self._records.history(employee_id)

    def require(self, employee_id: str) -> None:
        """ConsentRequired unless the person's latest decision is a consent (or the
        operator turned the requirement off)."""
        if not self.settings.consent_required:
            return
        history = self._records.history(employee_id)
        if not history or history[-1].decision is not Decision.GIVEN:
            notice = self.notice()
            raise ConsentRequired(
                f"{employee_id} has not consented to the notice; record their consent "
                "(POST /api/v1/employees/{id}/consent, or consent_* fields with the photo) first",
                {
                    "employee_id": employee_id,
                    "notice_version": notice.version,
                    "latest_decision": history[-1].decision.value if history else None,
                },
            )

    @staticmethod
    def _same_as(latest: ConsentRecord, statement: ConsentStatement) -> ConsentRecord | None:
        """`latest` when the statement says again what it records, else None."""
        reference = (statement.reference or "").strip() or None
        repeated = (
            latest.decision is Decision.GIVEN
            and statement.decision is Decision.GIVEN
            and latest.notice_version == statement.notice_version
            and latest.method is statement.method
            and latest.reference == reference
            and same_name(latest.signature or "", statement.signature or "")
        )
        return latest if repeated else None

    def _employee(self, employee_id: str, name: str | None) -> Employee:
        existing = self._people.get_employee(employee_id)
        if existing is not None:
            return existing
        if not name:
            raise EmployeeNotFound(
                f"no employee {employee_id}; give employee_name to record a new person's consent",
                {"employee_id": employee_id},
            )
        employee_id, name = validate_employee(employee_id, name)
        return Employee(employee_id, name)

    def _version(self, statement: ConsentStatement) -> int:
        current = self.notice().version
        asked = statement.notice_version
        # A withdrawal or refusal stands whatever notice the person read.
        if statement.decision is Decision.GIVEN and asked is not None and asked != current:
            raise NoticeOutdated(
                f"notice version {asked} is not the one in force ({current}); show the "
                "current notice and ask again",
                {"notice_version": asked, "current_version": current},
            )
        if asked is None and statement.decision is Decision.GIVEN:
            raise ValidationFailed(
                "a consent names the notice version the person read",
                {"fields": {"notice_version": f"the version in force ({current})"}},
            )
        return current if asked is None else asked

    @staticmethod
    def _evidence(statement: ConsentStatement, name: str) -> tuple[str | None, str | None]:
        """The typed name of a signature, or the reference of a paper or external record."""
        if statement.method is Method.SIGNATURE:
            signature = " ".join((statement.signature or "").split())
            if not signature or not same_name(signature, name):
                raise ValidationFailed(
                    "the signature must be the person's name as enrolled, typed by them",
                    {"fields": {"signature": f"the name {name!r}"}},
                )
            return signature, None
        reference = (statement.reference or "").strip()
        if not 1 <= len(reference) <= MAX_REFERENCE_LENGTH:
            raise ValidationFailed(
                f"a {statement.method.value} consent needs the reference of its record",
                {"fields": {"reference": f"1 to {MAX_REFERENCE_LENGTH} characters"}},
            )
        return None, reference


CONSENT_ACTIONS = {
    Decision.GIVEN: CONSENT_GIVEN,
    Decision.DECLINED: CONSENT_DECLINED,
    Decision.WITHDRAWN: CONSENT_WITHDRAWN,
}


def destruction(destroyed: Destroyed, reason: str) -> dict[str, object]:
    """The details of the audit entry of one person's biometric data destroyed."""
    return {"reason": reason, "faces": destroyed.faces, "snapshots": destroyed.snapshots}
