"""The pages' ES modules (static/js) type-check: tsc, as make install puts it in node_modules,
checks their JSDoc types (tsconfig.json: checkJs, strict) and would notice a misuse."""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "static" / "js"
TSC = ROOT / "node_modules" / ".bin" / "tsc"


def tsc(project: Path) -> subprocess.CompletedProcess[str]:
    assert TSC.exists(), "node_modules is missing: run make install"
    return subprocess.run(
        [str(TSC), "-p", str(project)], capture_output=True, text=True, timeout=300, cwd=ROOT
    )


def test_every_page_module_asks_for_type_checking():
    modules = sorted(PAGES.rglob("*.js"))
    assert len(modules) >= 10
    unchecked = [m for m in modules if not m.read_text().startswith("// @ts-check\n")]
    assert unchecked == []


def test_the_pages_type_check():
    checked = tsc(ROOT / "tsconfig.json")
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.fixture
def misuse(tmp_path: Path) -> Path:
    """A project of the pages plus one module that calls the API helper wrongly."""
    api = os.path.relpath(PAGES / "api.js", tmp_path)
    (tmp_path / "misuse.js").write_text(
        "// @ts-check\n"
        f'import {{ apiFetch }} from "{api}";\n'
        'export const answer = apiFetch(42, "key", { method: "GET" });\n'
    )
    config = {
        "extends": str(ROOT / "tsconfig.json"),
        "include": [str(PAGES / "**" / "*.js"), str(PAGES / "**" / "*.d.ts"), "misuse.js"],
    }
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    return tmp_path


def test_tsc_refuses_a_wrong_call_in_a_page_module(misuse):
    checked = tsc(misuse / "tsconfig.json")
    assert checked.returncode != 0
    assert "misuse.js" in checked.stdout and "number" in checked.stdout
