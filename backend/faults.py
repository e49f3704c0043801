"""Test-only fault injection, off unless a FAULT_* setting is given: the fault tests
use it to kill the backend at a chosen instant (between the photo and its row)."""

import time
from typing import Any


class PausingImageStore:
    """An image store that waits after each stored photo (FAULT_PAUSE_AFTER_PHOTO_PUT)."""

    def __init__(self, inner: Any, pause: float) -> None:
        self._inner = inner
        self._pause = pause

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._inner.put(key, data, content_type)
        time.sleep(self._pause)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
