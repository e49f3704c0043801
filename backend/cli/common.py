"""What the backend commands share: settings, and the stack they talk to."""

import contextlib
import sys
from collections.abc import Iterator

from backend.config import BackendSettings
from backend.domain.errors import DomainError
from backend.handler.context import Services
from backend.main import Infrastructure, build_services, connect


class CommandFailed(Exception):
    """A command that cannot go on; its message is printed alone, without a trace."""


def settings_or_fail() -> BackendSettings:
    settings = BackendSettings()
    if not settings.database_url:
        raise CommandFailed("set DATABASE_URL (make run prints it)")
    return settings


@contextlib.contextmanager
def connected(settings: BackendSettings) -> Iterator[tuple[Infrastructure, Services]]:
    """The same adapters and services the backend runs on."""
    try:
        infra = connect(settings)
    except DomainError as error:
        raise CommandFailed(error.message) from error
    try:
        yield infra, build_services(settings, infra)
    finally:
        infra.close()


def run(command: object, *args: object) -> int:
    """Call a command, turning CommandFailed and DomainError into one line on stderr."""
    try:
        return int(command(*args))  # type: ignore[operator]
    except (CommandFailed, DomainError) as error:
        print(f"facegate: {getattr(error, 'message', error)}", file=sys.stderr)
        return 1
