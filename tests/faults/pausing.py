"""The environment of a backend that pauses after each stored photo or snapshot."""

import os
from pathlib import Path

HOOKS = Path(__file__).resolve().parent / "hooks"


def paused_env(
    env: dict[str, str],
    seconds: float,
    prefix: str = "",
    mark: Path | None = None,
    *,
    before: bool = False,
) -> dict[str, str]:
    """`env` for a backend (or a launcher whose backend) waits `seconds` after each stored
    object under `prefix` (`before`: before storing it): the window in which the fault tests
    kill it (tests/faults/hooks). While it waits, the folder `mark` (if given) holds a file
    naming the object's key."""
    if mark:
        mark.mkdir(parents=True, exist_ok=True)
    path = env.get("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    return {
        **env,
        "PYTHONPATH": os.pathsep.join(p for p in (str(HOOKS), path) if p),
        "FACEGATE_TEST_PAUSE_AFTER_PUT": str(seconds),
        "FACEGATE_TEST_PAUSE_PREFIX": prefix,
        **({"FACEGATE_TEST_PAUSE_MARK": str(mark)} if mark else {}),
        **({"FACEGATE_TEST_PAUSE_BEFORE_PUT": "1"} if before else {}),
    }
