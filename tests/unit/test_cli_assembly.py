"""`facegate` is assembled from each package's own commands, and an embedder-only install
(no SQLAlchemy, psycopg or Alembic) still runs the embedder's commands and says what is
missing for the others."""

import subprocess
import sys

from facegate.cli import build_parser

# Run as a script with the backend's own dependencies made unimportable.
WITHOUT_BACKEND_PACKAGES = """
import sys
for name in ("sqlalchemy", "psycopg", "alembic", "minio", "pgvector"):
    sys.modules[name] = None  # an import of it raises ModuleNotFoundError
from facegate.cli import main
main(sys.argv[1:])
"""


def run_without_backend(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_BACKEND_PACKAGES, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_package_registers_its_commands():
    usage = build_parser().format_usage()
    for command in ("models", "keys", "checkins", "db", "enroll-dir", "reembed", "openapi"):
        assert command in usage  # embedder.cli and backend.cli
    assert "run" in usage and "certs" in usage  # the launcher's own


def test_an_embedder_only_install_runs_the_embedders_commands():
    helped = run_without_backend("models", "pull", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "--model" in helped.stdout


def test_a_backend_command_without_the_backends_packages_says_what_is_missing():
    refused = run_without_backend("keys", "list")
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
    assert "facegate[backend]" in refused.stderr
