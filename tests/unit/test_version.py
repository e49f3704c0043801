"""One version number: the installed package's, in the API, the embedder and the CLI."""

import json
from importlib.metadata import version

import pytest

from backend.config import BackendSettings
from backend.main import contract, create_app
from embedder import app as embedder_app
from embedder.config import EmbedderSettings
from facegate.cli import main
from facegate_shared.paths import REPO_ROOT


def test_the_package_version_is_the_one_in_pyproject():
    # A stale install (pyproject.toml changed, `make install` not run) shows here first.
    pyproject = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'\nversion = "{version("facegate")}"\n' in pyproject


def test_api_embedder_and_cli_show_the_package_version(capsys):
    expected = version("facegate")
    assert json.loads(contract())["info"]["version"] == expected
    assert create_app(BackendSettings()).version == expected
    assert embedder_app.create_app(EmbedderSettings()).version == expected
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"facegate {expected}"


def test_the_committed_contract_carries_the_package_version():
    committed = json.loads((REPO_ROOT / "openapi.json").read_text(encoding="utf-8"))
    assert committed["info"]["version"] == version("facegate")
