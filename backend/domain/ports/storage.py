"""Ports of the storage key rotation: the object store it re-seals and its progress."""

import enum
from collections.abc import Callable
from typing import Protocol


class Step(enum.Enum):
    ADVANCED = "advanced"
    FINISHED = "finished"  # this step found nothing left and marked the rotation done
    DONE = "done"  # it was done already (or there is no such rotation)
    BUSY = "busy"  # another runner holds the rotation


class ResealableStore(Protocol):
    """The object store as the rotation sees it."""

    @property
    def current_key_id(self) -> str: ...

    def names_after(self, cursor: str, limit: int) -> list[str]: ...

    def reseal(self, key: str) -> bool:
        """Seal the object with the current key unless it is; whether it was rewritten."""
        ...


class RotationLedger(Protocol):
    """The rotation's progress, shared by every process."""

    def start(self, key_id: str) -> None:
        """Begin a rotation to `key_id`, or resume the unfinished one."""
        ...

    def step(self, key_id: str, work: Callable[[str], tuple[str, int] | None]) -> Step:
        """Hold the rotation (BUSY when another runner does), call `work(cursor)` and keep
        the cursor and count it returns, or mark the rotation done when it returns None."""
        ...

    def unfinished(self, key_id: str) -> bool:
        """Whether a rotation to `key_id` was started and is not done."""
        ...

    def rewritten(self, key_id: str) -> int: ...
