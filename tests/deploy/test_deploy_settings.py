"""The deploy files and the code agree: every environment variable the Helm chart gives a
container is a setting of the service in it, and the embedder's Dockerfile, compose file,
chart and settings class run one model with one detector by default."""

import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from backend.config import BackendSettings
from embedder.config import EmbedderSettings
from facegate.settings_docs import variable_name
from tests.deploy.test_helm_chart import VALUE_SETS, one, render

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# Which settings each of the chart's workloads runs on (the migration Job runs the backend's
# `facegate db migrate`).
SETTINGS_OF: dict[str, type[BaseSettings]] = {
    "facegate-backend": BackendSettings,
    "facegate-migrate": BackendSettings,
    "facegate-embedder": EmbedderSettings,
}


def _settings(cls: type[BaseSettings]) -> set[str]:
    return {variable_name(cls, field) for field in cls.model_fields}


def _variables(docs: list[dict[str, Any]], container: dict[str, Any]) -> dict[str, str]:
    """Every variable a container gets: its env items and the ConfigMaps it loads whole."""
    variables = {item["name"]: str(item.get("value", "")) for item in container.get("env", [])}
    for source in container.get("envFrom", []):
        config_map = one(docs, "ConfigMap", source["configMapRef"]["name"])
        variables.update(config_map["data"])
    return variables


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_every_variable_the_chart_sets_is_read_by_its_service(values: dict[str, Any]) -> None:
    docs = render(values)
    workloads = [d for d in docs if d["kind"] in {"Deployment", "Job"}]
    assert {d["metadata"]["name"] for d in workloads} == set(SETTINGS_OF)
    for workload in workloads:
        known = _settings(SETTINGS_OF[workload["metadata"]["name"]])
        for container in workload["spec"]["template"]["spec"]["containers"]:
            variables = _variables(docs, container)
            # A variable only spliced into another one by Kubernetes ($(DB_PASSWORD) in
            # DATABASE_URL) is a part of that one, not a setting of its own.
            spliced = {
                name
                for name in variables
                if any(f"$({name})" in value for value in variables.values())
            }
            unread = sorted(set(variables) - known - spliced)
            assert not unread, f"{workload['metadata']['name']} is given {unread}: no such setting"


def _dockerfile_arg(name: str) -> str:
    text = (DEPLOY / "embedder.Dockerfile").read_text()
    (value,) = re.findall(rf"^ARG {name}=(\S+)$", text, flags=re.MULTILINE)
    return value


def _compose_defaults(name: str) -> set[str]:
    """The defaults `${NAME:-default}` of a variable wherever the compose file uses it."""
    return set(
        re.findall(rf"\$\{{{name}:-([^}}]*)\}}", (DEPLOY / "docker-compose.yml").read_text())
    )


def _env_example(name: str) -> str:
    (value,) = re.findall(rf"^{name}=(\S*)$", (DEPLOY / ".env.example").read_text(), re.M)
    return value


def test_dockerfile_compose_chart_and_code_run_the_same_model() -> None:
    code = EmbedderSettings.model_fields
    chart = one(render(), "ConfigMap", "facegate-embedder")["data"]
    for variable, field in (("EMBEDDER_MODEL", "model"), ("EMBEDDER_DETECTOR", "detector")):
        default = code[field].default
        assert _dockerfile_arg(variable) == default, f"embedder.Dockerfile's {variable}"
        assert _compose_defaults(variable) == {default}, f"docker-compose.yml's {variable}"
        assert _env_example(variable) == default, f".env.example's {variable}"
        assert chart[variable] == default, f"the chart's {variable}"
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    embedder = compose["services"]["embedder"]
    # The weights baked in (build args) are the ones the container runs (environment).
    assert embedder["build"]["args"] == {
        name: embedder["environment"][name] for name in ("EMBEDDER_MODEL", "EMBEDDER_DETECTOR")
    }


def test_compose_gives_each_service_only_its_settings() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services: dict[str, type[BaseSettings]] = {
        "backend": BackendSettings,
        "embedder": EmbedderSettings,
    }
    for service, cls in services.items():
        unread = set(compose["services"][service]["environment"]) - _settings(cls)
        assert not unread, f"compose gives the {service} {sorted(unread)}: no such setting"


def test_the_chart_runs_the_images_of_this_version() -> None:
    chart = yaml.safe_load((DEPLOY / "helm" / "facegate" / "Chart.yaml").read_text())
    assert chart["appVersion"] == version("facegate")
    deployment = one(render(), "Deployment", "facegate-backend")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"].endswith(f":{version('facegate')}")
