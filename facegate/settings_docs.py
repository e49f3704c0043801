"""docs/configuration.md, written from the settings classes themselves so it cannot drift:
each setting's environment variable, default, allowed values and the comment above it in
its class. `facegate docs` writes it; tests/unit/test_docs.py fails when the
committed file differs from what this module writes."""

import enum
import inspect
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import annotated_types
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from backend.config import BackendSettings
from embedder.config import EmbedderSettings
from facegate_shared.paths import REPO_ROOT

DOCUMENT = REPO_ROOT / "docs" / "configuration.md"
REGENERATE = "PYTHONPATH=$PWD .venv/bin/python -m facegate docs"


@dataclass(frozen=True)
class SettingsClass:
    """A settings class and the service that reads it."""

    title: str
    cls: type[BaseSettings]

    @property
    def source(self) -> str:
        """The class's file, relative to the repository root."""
        return Path(inspect.getfile(self.cls)).resolve().relative_to(REPO_ROOT).as_posix()


# Every settings class of the product; the test fails when a BaseSettings subclass is
# missing here.
SETTINGS_CLASSES = (
    SettingsClass("Backend", BackendSettings),
    SettingsClass("Embedder", EmbedderSettings),
)

_FIELD_LINE = re.compile(r"^    (\w+)\s*:")
_COMMENT_LINE = re.compile(r"^    #\s?(.*)$")


def field_comments(cls: type) -> dict[str, str]:
    """The comment block right above each field of a class body, joined into one line."""
    comments: dict[str, str] = {}
    pending: list[str] = []
    for line in inspect.getsource(cls).splitlines()[1:]:
        comment = _COMMENT_LINE.match(line)
        field = _FIELD_LINE.match(line)
        if comment:
            pending.append(comment.group(1).strip())
        elif field:
            if pending:
                comments[field.group(1)] = " ".join(pending)
            pending = []
        elif not line.startswith("        "):  # not a field's continuation line
            pending = []
    return comments


def variable_name(cls: type[BaseSettings], field: str) -> str:
    """The environment variable a setting is read from."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    return (prefix + field).upper()


def _show_default(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, Path):
        try:
            return f"`<repo>/{value.relative_to(REPO_ROOT).as_posix()}`"
        except ValueError:
            return f"`{value}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value == "":
        return "empty"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and value >= 1024 * 1024 and value % (1024 * 1024) == 0:
        return f"`{value}` ({value // (1024 * 1024)} MiB)"
    return f"`{value}`"


def _choices(annotation: object) -> list[str]:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    if typing.get_origin(annotation) is typing.Literal:
        return [repr(choice) if choice == "" else str(choice) for choice in annotation.__args__]  # type: ignore[attr-defined]
    if isinstance(annotation, types.UnionType):
        return [choice for arg in typing.get_args(annotation) for choice in _choices(arg)]
    return []


def _show_allowed(field: FieldInfo) -> str:
    parts = []
    for rule in field.metadata:
        if isinstance(rule, annotated_types.Ge):
            parts.append(f">= {rule.ge}")
        elif isinstance(rule, annotated_types.Gt):
            parts.append(f"> {rule.gt}")
        elif isinstance(rule, annotated_types.Le):
            parts.append(f"<= {rule.le}")
        elif isinstance(rule, annotated_types.Lt):
            parts.append(f"< {rule.lt}")
    choices = _choices(field.annotation)
    if choices:
        parts.append(" / ".join(f"`{choice}`" for choice in choices))
    return ", ".join(parts)


def rows(settings: SettingsClass) -> Iterator[tuple[str, str, str, str]]:
    """(variable, default, allowed values, meaning) of each setting of a class."""
    comments = field_comments(settings.cls)
    for name, field in settings.cls.model_fields.items():
        meaning = field.description or comments.get(name, "")
        yield variable_name(settings.cls, name), _show_default(field), _show_allowed(field), meaning


def render() -> str:
    """The whole of docs/configuration.md."""
    out = [
        "# Configuration",
        "",
        "<!-- Generated from the settings classes; do not edit. After adding or changing a",
        f"     setting, run `{REGENERATE}` (or `make docs`). -->",
        "",
        "Every setting is an environment variable, read when a service starts. This page is",
        "written from the settings classes by `facegate docs` (a unit test fails when a setting",
        "has no line here, or a line here no setting): after adding or changing a setting, run",
        "",
        "```sh",
        REGENERATE,
        "```",
        "",
        "and commit `docs/configuration.md` with the change. A setting's meaning is the comment",
        "above it in its class.",
    ]
    for settings in SETTINGS_CLASSES:
        out += [
            "",
            f"## {settings.title} (`{settings.cls.__name__}`, `{settings.source}`)",
            "",
            "| variable | default | allowed | meaning |",
            "|---|---|---|---|",
        ]
        out += [
            f"| `{variable}` | {default} | {allowed} | {meaning.replace('|', chr(92) + '|')} |"
            for variable, default, allowed, meaning in rows(settings)
        ]
    return "\n".join(out) + "\n"


def write(path: Path = DOCUMENT) -> Path:
    """Write the document; the path written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return path
