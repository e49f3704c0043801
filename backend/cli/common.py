"""What the backend commands share: settings, and the stack they talk to."""

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from backend.config import BackendSettings
from backend.domain.errors import DomainError
from facegate_shared.paths import REPO_ROOT


class CommandFailed(Exception):
    """A command that cannot go on; its message is printed alone, without a trace."""


def settings_or_fail() -> BackendSettings:
    """Settings from the environment; where DATABASE_URL is unset, those of the local stack
    that `make run` wrote to var/stack.json (FACEGATE_VAR), for what is unset."""
    if os.environ.get("DATABASE_URL"):
        return BackendSettings()
    stack_file = Path(os.environ.get("FACEGATE_VAR", REPO_ROOT / "var")) / "stack.json"
    try:
        local = json.loads(stack_file.read_text())
    except FileNotFoundError:
        raise CommandFailed(
            f"set DATABASE_URL, or start the local stack with make run ({stack_file} is absent)"
        ) from None
    except (OSError, ValueError) as error:
        raise CommandFailed(f"cannot read {stack_file}: {error}") from None
    given = {k: v for k, v in local.items() if k != "BACKEND_URL" and not os.environ.get(k)}
    return BackendSettings(**{k.lower(): v for k, v in given.items()})


def run(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Call a command, turning CommandFailed and DomainError into one line on stderr."""
    try:
        return command(args)
    except (CommandFailed, DomainError) as error:
        print(f"facegate: {getattr(error, 'message', error)}", file=sys.stderr)
        return 1
