"""docs/configuration.md documents every setting, and nothing that is not one: it is what
`facegate docs` writes from the settings classes."""

import ast
import json
import re

from facegate.settings_docs import (
    DOCUMENT,
    REGENERATE,
    SETTINGS_CLASSES,
    render,
    rows,
    variable_name,
)
from facegate_shared.paths import REPO_ROOT

PRODUCT = ("backend", "embedder", "facegate", "facegate_shared")
STALE = f"docs/configuration.md is out of date: run `{REGENERATE}` and commit it"


def _documented_variables() -> set[str]:
    text = DOCUMENT.read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([A-Z0-9_]+)` \|", text, flags=re.MULTILINE))


def _settings_variables() -> set[str]:
    return {
        variable_name(settings.cls, field)
        for settings in SETTINGS_CLASSES
        for field in settings.cls.model_fields
    }


def test_every_setting_has_a_line_and_every_line_a_setting():
    documented, settings = _documented_variables(), _settings_variables()
    assert not settings - documented, f"settings without a line. {STALE}"
    assert not documented - settings, f"lines for no setting. {STALE}"


def test_the_committed_document_is_what_the_generator_writes():
    assert DOCUMENT.read_text(encoding="utf-8") == render(), STALE


def test_every_setting_says_what_it_means():
    silent = [
        variable
        for settings in SETTINGS_CLASSES
        for variable, _default, _allowed, meaning in rows(settings)
        if not meaning
    ]
    assert not silent, f"add a comment above these settings in their class: {silent}"


def test_every_settings_class_of_the_product_is_documented():
    found = set()
    for package in PRODUCT:
        for path in (REPO_ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and any(
                    getattr(base, "id", getattr(base, "attr", "")) == "BaseSettings"
                    for base in node.bases
                ):
                    found.add(node.name)
    assert found == {settings.cls.__name__ for settings in SETTINGS_CLASSES}


def test_every_api_operation_is_in_docs_api_md():
    contract = json.loads((REPO_ROOT / "openapi.json").read_text(encoding="utf-8"))
    operations = {
        operation["operationId"]
        for path in contract["paths"].values()
        for operation in path.values()
    }
    documented = (REPO_ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = sorted(op for op in operations if f"`{op}`" not in documented)
    assert not missing, f"add these operations to docs/api.md (Integrate, Names): {missing}"


def test_links_between_the_documents_lead_somewhere():
    pages = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text("utf-8")):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(REPO_ROOT)} -> {target}")
    assert not broken
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    unreachable = [p.name for p in pages[1:] if f"docs/{p.name}" not in readme]
    assert not unreachable, f"link these from README.md: {unreachable}"


def test_the_readme_names_only_real_settings_with_their_defaults():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## The five settings most people change", 1)[1].split("\n## ", 1)[0]
    documented = dict(re.findall(r"^\| `([A-Z0-9_]+)` \| ([^|]+) \|", DOCUMENT.read_text(), re.M))
    rows = re.findall(r"^\| (`[A-Z].*?) \| ([^|]+) \|", table, flags=re.MULTILINE)
    assert len(rows) == 5
    for names, default in rows:
        for name in re.findall(r"`([A-Z0-9_]+)`", names):
            assert name in documented, name
        shown = re.findall(r"`([^`]+)`", default)
        if shown and not default.startswith(("empty", "`make run`")):
            assert f"`{shown[0]}`" in documented[re.findall(r"`([A-Z0-9_]+)`", names)[0]]
