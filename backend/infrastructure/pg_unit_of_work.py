"""The unit of work on PostgreSQL: one connection and its transaction, advisory locks
held to its end, and the events published into the webhook outbox and the audit entries
appended to the chained log just before commit."""

from types import TracebackType

from sqlalchemy import Connection, Engine, text

from backend.domain.unit_of_work import AuditNote, Event, UnitOfWork
from backend.infrastructure.database import committing, rollback_quietly, translated_errors
from backend.infrastructure.pg_audit import append
from backend.infrastructure.pg_consent import PgConsentWrites
from backend.infrastructure.pg_credentials import PgCredentialWrites
from backend.infrastructure.pg_gallery import ENROLL_LOCK
from backend.infrastructure.pg_outbox import enqueue
from backend.infrastructure.pg_writes import PgCheckinWrites, PgFaceWrites, Seal, as_is

# pg_advisory_xact_lock(CHECKIN_LOCK, hashtext(employee_id)): one employee's check-ins are
# decided one at a time, whichever replica serves them.
CHECKIN_LOCK = 0x6663


class PgUnitOfWork(UnitOfWork):
    """Transaction-scoped advisory locks: they hold behind PgBouncer in transaction mode
    and go with the commit or rollback, whatever happens to the process."""

    def __init__(self, engine: Engine, ef_search: int, seal: Seal = as_is) -> None:
        super().__init__()
        self._engine = engine
        self._ef_search = ef_search
        self._seal = seal
        self._db: Connection | None = None

    @property
    def db(self) -> Connection:
        assert self._db is not None, "use the unit of work in a with block"
        return self._db

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        # The driver's errors leave as domain errors (DatabaseUnavailable, a conflict).
        with translated_errors():
            super().__exit__(kind, error, trace)
            if error is not None:
                raise error

    def lock_enrollment(self) -> None:
        self.db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ENROLL_LOCK})

    def lock_checkins_of(self, employee_id: str) -> None:
        self.db.execute(
            text("SELECT pg_advisory_xact_lock(:ns, hashtext(:e))"),
            {"ns": CHECKIN_LOCK, "e": employee_id},
        )

    def _begin(self) -> None:
        with translated_errors():
            self._db = self._engine.connect()
            self._db.begin()
        self.faces = PgFaceWrites(self._db, self._ef_search)
        self.checkins = PgCheckinWrites(self._db, self._seal)
        self.credentials = PgCredentialWrites(self._db)
        self.consents = PgConsentWrites(self._db)

    def _publish(self, events: list[Event]) -> None:
        for event in events:
            enqueue(self.db, event)

    def _append_audit(self, notes: list[AuditNote]) -> None:
        for note in notes:
            append(
                self.db, note.actor, note.action, note.subject_kind, note.subject_id, note.details
            )

    def _commit(self) -> None:
        with committing():  # a connection lost here: commit_unknown, not "unavailable"
            self.db.commit()

    def _rollback(self) -> None:
        if self._db is not None:
            rollback_quietly(self._db)

    def _end(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
