"""`python -m backend`: check the database, store and embedder, then serve."""

import logging
import sys

import uvicorn

from backend.bootstrap.adapters import connect
from backend.config import BackendSettings
from backend.domain.errors import DomainError
from backend.logs import configure_json_logging
from backend.main import create_app


def main() -> None:
    settings = BackendSettings()
    configure_json_logging(logging.INFO)
    try:
        # Refuse to start, in one clear line, when a dependency is unusable.
        adapters = connect(settings)
    except DomainError as error:
        print(f"backend: {error.message}", file=sys.stderr)
        sys.exit(2)
    tls = settings.tls_enabled
    uvicorn.run(
        create_app(settings, connected=adapters),
        host=settings.listen_host,
        port=settings.backend_port,
        log_level="warning",
        ssl_certfile=str(settings.tls_cert) if tls else None,
        ssl_keyfile=str(settings.tls_key) if tls else None,
    )


if __name__ == "__main__":
    main()
