"""The environment of a backend that pauses after each stored photo or snapshot."""

import os
from pathlib import Path

HOOKS = Path(__file__).resolve().parent / "hooks"


def paused_env(env: dict[str, str], seconds: float) -> dict[str, str]:
    """`env` for a backend (or a launcher whose backend) waits `seconds` after each stored
    object: the window in which the fault tests kill it (tests/faults/hooks)."""
    path = env.get("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    return {
        **env,
        "PYTHONPATH": os.pathsep.join(p for p in (str(HOOKS), path) if p),
        "FACEGATE_TEST_PAUSE_AFTER_PUT": str(seconds),
    }
