"""docs/api.md's TypeScript example type-checks against types generated from the committed
contract (openapi-typescript, then tsc), offline, with the tools make install put in
node_modules; and tsc would notice a misuse of those types."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "typescript"
BIN = ROOT / "node_modules" / ".bin"


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, timeout=300, cwd=ROOT
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The example beside its types, generated from openapi.json into a temporary folder."""
    assert (BIN / "tsc").exists(), "node_modules is missing: run make install"
    for name in ("facegate-example.ts", "tsconfig.json"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    made = run(BIN / "openapi-typescript", ROOT / "openapi.json", "-o", tmp_path / "facegate.d.ts")
    assert made.returncode == 0, made.stdout + made.stderr
    return tmp_path


def test_the_typescript_example_type_checks_against_the_contract(project):
    checked = run(BIN / "tsc", "-p", project)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_tsc_refuses_a_field_the_contract_does_not_promise(project):
    (project / "misuse.ts").write_text(
        'import type { paths } from "./facegate";\n'
        'type CheckIn = paths["/api/v1/employees/search"]["post"]["responses"][200]'
        '["content"]["application/json"];\n'
        "export const who = (answer: CheckIn): string => answer.employee_id;\n"
    )
    checked = run(BIN / "tsc", "-p", project)
    assert checked.returncode != 0
    assert "employee_id" in checked.stdout
