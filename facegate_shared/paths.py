"""Where the checkout is: the one definition of the repository root."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
