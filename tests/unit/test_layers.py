"""The dependency rules of ARCHITECTURE.md, checked by import-linter on every run."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from facegate_shared.paths import REPO_ROOT


def test_every_layer_contract_holds():
    contracts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is part of the dev extra"
    result = subprocess.run([lint], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    found = re.search(r"Contracts: (\d+) kept, 0 broken", result.stdout)
    assert found and int(found.group(1)) == len(contracts) >= 5, result.stdout
