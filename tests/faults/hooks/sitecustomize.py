"""Test-only fault injection, loaded by Python at start-up (sitecustomize) in processes
whose PYTHONPATH starts with this folder (tests.faults.pausing.paused_env): a backend
(`python -m backend`, whoever starts it, the launcher too) then waits after each stored
object, so that the fault tests can kill it between the photo and its row.
FACEGATE_TEST_PAUSE_PREFIX limits the pause to keys under it; FACEGATE_TEST_PAUSE_MARK names
a folder that holds one file per request waiting there, so that a test kills the backend
exactly in the window rather than polling the store for it. FACEGATE_TEST_PAUSE_BEFORE_PUT
set pauses before the object is stored instead (a check-in's snapshot on its way to the
store after the answer).

Nothing of this is in the product: without this folder on the path it never loads."""

import os
import sys

PAUSE = float(os.environ.get("FACEGATE_TEST_PAUSE_AFTER_PUT") or 0)
PREFIX = os.environ.get("FACEGATE_TEST_PAUSE_PREFIX", "")
MARK = os.environ.get("FACEGATE_TEST_PAUSE_MARK")
BEFORE = bool(os.environ.get("FACEGATE_TEST_PAUSE_BEFORE_PUT"))

if PAUSE and sys.orig_argv[1:3] == ["-m", "backend"]:
    import time
    import uuid

    from backend.infrastructure.s3_store import S3ImageStore

    stored = S3ImageStore.put

    def pause(key: str) -> None:
        mark = os.path.join(MARK, uuid.uuid4().hex) if MARK else None
        if mark:
            # written aside and renamed: a test never reads a mark before its key is in it
            with open(mark + ".part", "w") as waiting:
                waiting.write(key)
            os.replace(mark + ".part", mark)
        time.sleep(PAUSE)
        if mark:
            os.unlink(mark)

    def put_then_pause(self: S3ImageStore, key: str, data: bytes, content_type: str) -> None:
        if BEFORE and key.startswith(PREFIX):
            pause(key)
        stored(self, key, data, content_type)
        if not BEFORE and key.startswith(PREFIX):
            pause(key)

    S3ImageStore.put = put_then_pause  # type: ignore[method-assign]
