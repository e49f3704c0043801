"""Test-only fault injection, loaded by Python at start-up (sitecustomize) in processes
whose PYTHONPATH starts with this folder (tests.faults.pausing.paused_env): a backend
(`python -m backend`, whoever starts it, the launcher too) then waits after each stored
object, so that the fault tests can kill it between the photo and its row.

Nothing of this is in the product: without this folder on the path it never loads."""

import os
import sys

PAUSE = float(os.environ.get("FACEGATE_TEST_PAUSE_AFTER_PUT") or 0)

if PAUSE and sys.orig_argv[1:3] == ["-m", "backend"]:
    import time

    from backend.infrastructure.s3_store import S3ImageStore

    stored = S3ImageStore.put

    def put_then_pause(self: S3ImageStore, key: str, data: bytes, content_type: str) -> None:
        stored(self, key, data, content_type)
        time.sleep(PAUSE)

    S3ImageStore.put = put_then_pause  # type: ignore[method-assign]
