"""Re-sealing every stored photo and snapshot with the current storage key: resumable (the
cursor is in PostgreSQL) and one runner at a time, however many start it."""

import time
from collections.abc import Callable
from dataclasses import dataclass

from backend.domain.audit import STORAGE_ROTATED, STORAGE_ROTATION_STARTED, SYSTEM, Actor
from backend.domain.errors import ValidationFailed
from backend.domain.ports import AuditTrail, HeldSnapshots, ResealableStore, RotationLedger
from backend.domain.ports.storage import Step


@dataclass(frozen=True)
class RotationReport:
    key_id: str
    rewritten: int


class StorageRotation:
    """`facegate keys rotate-storage`: every object ends up sealed with the current key."""

    def __init__(
        self,
        *,
        store: ResealableStore,
        ledger: RotationLedger,
        audit: AuditTrail,
        held: HeldSnapshots | None = None,
        batch: int = 20,
        wait: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._held = held
        self._ledger = ledger
        self._audit = audit
        self._batch = batch
        self._wait = wait

    def run(
        self, actor: Actor = SYSTEM, progress: Callable[[str, int], None] | None = None
    ) -> RotationReport:
        """Start (or resume) the rotation to the current key and re-seal batch by batch
        until every object is done; waits while another runner holds it."""
        key_id = self.start(actor, audit=False)
        while (step := self._step(key_id, actor, progress)) not in (Step.DONE, Step.FINISHED):
            if step is Step.BUSY:
                self._wait(1.0)
        return RotationReport(key_id, self._ledger.rewritten(key_id))

    def start(self, actor: Actor = SYSTEM, *, audit: bool = True) -> str:
        """Record a rotation to the current key for the backends to carry out."""
        key_id = self._store.current_key_id
        if not key_id:
            raise ValidationFailed(
                "no storage key is set (STORAGE_KEYS or STORAGE_KEYS_FILE): nothing to rotate to",
                {"fields": {"STORAGE_KEYS": "required"}},
            )
        self._ledger.start(key_id)
        if audit:
            self._audit.record(actor, STORAGE_ROTATION_STARTED, "storage", key_id)
        return key_id

    def resume(self) -> int:
        """A backend's share: carry on a started rotation to this backend's current key
        while no other process holds it; how many batches it did."""
        key_id = self._store.current_key_id
        if not key_id or not self._ledger.unfinished(key_id):
            return 0
        done = 0
        while self._step(key_id, SYSTEM, None) is Step.ADVANCED:
            done += 1
        return done

    def _step(self, key_id: str, actor: Actor, progress: Callable[[str, int], None] | None) -> Step:
        def work(cursor: str) -> tuple[str, int] | None:
            names = self._store.names_after(cursor, self._batch)
            if not names:
                # Snapshots still held for the store are sealed copies of objects to
                # come: they move to the new key too before the rotation is done.
                if self._held is not None:
                    self._held.reseal_held()
                return None
            rewritten = sum(1 for name in names if self._store.reseal(name))
            if progress:
                progress(names[-1], rewritten)
            return names[-1], rewritten

        step = self._ledger.step(key_id, work)
        if step is Step.FINISHED:  # recorded once, by whoever finished it
            total = self._ledger.rewritten(key_id)
            self._audit.record(actor, STORAGE_ROTATED, "storage", key_id, {"rewritten": total})
        return step
