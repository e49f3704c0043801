"""The Helm chart (deploy/helm/facegate), offline: it renders with its default values and
with values-ha.yaml, `helm lint` passes, every core manifest validates against the
Kubernetes 1.31 schemas (strict), and the CloudNativePG and KEDA resources carry the fields
their operators require. No cluster and no helm binary: helm-python-sdk embeds Helm."""

import re
from pathlib import Path
from typing import Any

import helm_python
import kubernetes_validate
import pytest
import yaml

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "facegate"
KUBE_VERSION = "1.31"
EXTERNAL_DB = {"secrets": {"databaseUrl": "postgresql://facegate:pw@db.example:5432/facegate"}}
CORE_KINDS = {
    "Deployment",
    "Service",
    "Job",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
    "Ingress",
    "Secret",
    "ConfigMap",
}


def ha_values() -> dict[str, Any]:
    return yaml.safe_load((CHART / "values-ha.yaml").read_text())


def render(values: dict[str, Any] | None = None, install: bool = True) -> list[dict[str, Any]]:
    files = helm_python.Chart.load(CHART).render(
        values or {},
        name="facegate",
        namespace="facegate",
        is_install=install,
        is_upgrade=not install,
    )
    docs = []
    for name, text in files.items():
        if name.endswith(".txt"):
            continue
        docs += [doc for doc in yaml.safe_load_all(text) if doc]
    return docs


def one(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} rendered"
    return found[0]


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container.get("env", [])}


VALUE_SETS = {"defaults": {}, "external-db": EXTERNAL_DB, "ha": ha_values()}


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_chart_lints(values: dict[str, Any]) -> None:
    result = helm_python.lint(CHART, values, strict=True, kube_version=KUBE_VERSION + ".0")
    assert result["errors"] == []
    assert not [m for m in result["messages"] if m["severity"] > 1], result["messages"]


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_core_manifests_validate_strictly(values: dict[str, Any]) -> None:
    docs = render(values)
    kinds = {d["kind"] for d in docs}
    assert {"Deployment", "Service", "Job", "PodDisruptionBudget", "NetworkPolicy"} <= kinds
    assert kinds - CORE_KINDS <= {"Cluster", "Pooler", "ScaledObject"}
    for doc in docs:
        if doc["kind"] in CORE_KINDS:
            kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)


def test_defaults_render_both_deployments_with_probes_and_resources() -> None:
    docs = render()
    for component, port in (("backend", 8502), ("embedder", 8501)):
        deployment = one(docs, "Deployment", f"facegate-{component}")
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["ports"][0]["containerPort"] == port
        assert container["resources"]["requests"] and container["resources"]["limits"]
        one(docs, "PodDisruptionBudget", f"facegate-{component}")
        one(docs, "Service", f"facegate-{component}")
    hpa = one(docs, "HorizontalPodAutoscaler", "facegate-embedder")
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert not [d for d in docs if d["kind"] in {"ScaledObject", "Cluster", "Pooler", "Ingress"}]


def test_compose_settings_keep_their_names() -> None:
    docs = render(EXTERNAL_DB)
    backend = one(docs, "ConfigMap", "facegate-backend")["data"]
    assert backend["EMBEDDER_URL"] == "http://facegate-embedder:8501"
    assert {"MATCH_METRIC", "TIMEZONE", "SEARCH_RATE_PER_MINUTE", "DB_POOL_SIZE"} <= set(backend)
    (container,) = one(docs, "Deployment", "facegate-backend")["spec"]["template"]["spec"][
        "containers"
    ]
    env = env_of(container)
    assert {"DATABASE_URL", "S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY", "S3_SECRET_KEY"} <= set(
        env
    )
    embedder = one(docs, "ConfigMap", "facegate-embedder")["data"]
    assert {"EMBEDDER_MODEL", "EMBEDDER_PROCESSES", "EMBEDDER_WORKERS"} <= set(embedder)


def test_migration_job_is_a_pre_install_pre_upgrade_hook() -> None:
    for install in (True, False):
        job = one(render(EXTERNAL_DB, install=install), "Job", "facegate-migrate")
        hooks = job["metadata"]["annotations"]["helm.sh/hook"].split(",")
        assert hooks == ["pre-install", "pre-upgrade"]
        (container,) = job["spec"]["template"]["spec"]["containers"]
        assert container["command"] == ["facegate", "db", "migrate"]
        assert "DATABASE_URL" in env_of(container)
    # The Secret it reads exists before it: a hook with a lower weight.
    secret = one(render(EXTERNAL_DB), "Secret", "facegate-secrets")
    assert "pre-install" in secret["metadata"]["annotations"]["helm.sh/hook"]
    assert int(secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < 0


def test_with_cloudnativepg_the_first_migration_runs_once_the_cluster_exists() -> None:
    job = one(render(ha_values(), install=True), "Job", "facegate-migrate")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,pre-upgrade"
    job = one(render(ha_values(), install=False), "Job", "facegate-migrate")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    # Straight to the primary, not through PgBouncer.
    env = env_of(job["spec"]["template"]["spec"]["containers"][0])
    assert "@facegate-pg-rw:5432/facegate" in env["DATABASE_URL"]["value"]
    assert "DATABASE_POOLER" not in env


def test_embedder_network_policy_allows_no_egress() -> None:
    for values in VALUE_SETS.values():
        policy = one(render(values), "NetworkPolicy", "facegate-embedder")
        assert "Egress" in policy["spec"]["policyTypes"]
        assert policy["spec"].get("egress", []) == []
        (rule,) = policy["spec"]["ingress"]
        assert rule["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == (
            "backend"
        )


def test_backend_network_policy_reaches_dns_postgres_s3_and_embedder_only() -> None:
    policy = one(render(ha_values()), "NetworkPolicy", "facegate-backend")
    ports = sorted(
        (port["protocol"], port["port"])
        for rule in policy["spec"]["egress"]
        for port in rule["ports"]
    )
    assert ports == [("TCP", 53), ("TCP", 5432), ("TCP", 8501), ("TCP", 9000), ("UDP", 53)]
    assert all(rule.get("to") for rule in policy["spec"]["egress"]), "no rule open to anywhere"


def test_existing_secret_is_honoured() -> None:
    values = {"secrets": {"existingSecret": "mine"}}
    docs = render(values)
    assert not [d for d in docs if d["kind"] == "Secret"]
    for kind, name in (("Deployment", "facegate-backend"), ("Job", "facegate-migrate")):
        container = one(docs, kind, name)["spec"]["template"]["spec"]["containers"][0]
        refs = {
            item["valueFrom"]["secretKeyRef"]["name"]
            for item in container["env"]
            if "valueFrom" in item
        }
        assert refs == {"mine"}


def test_backend_goes_through_the_pooler_in_transaction_mode() -> None:
    docs = render(ha_values())
    container = one(docs, "Deployment", "facegate-backend")["spec"]["template"]["spec"][
        "containers"
    ][0]
    env = env_of(container)
    assert env["DATABASE_POOLER"]["value"] == "transaction"
    assert "@facegate-pg-pooler-rw:5432/facegate" in env["DATABASE_URL"]["value"]
    pooler = one(docs, "Pooler", "facegate-pg-pooler-rw")
    assert pooler["spec"]["pgbouncer"]["poolMode"] == "transaction"
    # Without the Pooler, no pooler mode.
    values = ha_values()
    values["postgresql"]["cloudnativepg"]["pooler"]["enabled"] = False
    container = one(render(values), "Deployment", "facegate-backend")["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert "DATABASE_POOLER" not in env_of(container)


def test_cloudnativepg_resources_carry_what_the_operator_requires() -> None:
    """Without the CRDs' schemas, the fields CloudNativePG's API marks as required (and
    the ones this chart relies on) are checked by hand."""
    docs = render(ha_values())
    cluster = one(docs, "Cluster", "facegate-pg")
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    spec = cluster["spec"]
    assert spec["instances"] == 3
    # CloudNativePG's "standard" image family is the one that carries pgvector.
    assert re.fullmatch(r"ghcr\.io/cloudnative-pg/postgresql:\d+-standard-\w+", spec["imageName"])
    assert spec["storage"]["size"]
    assert spec["bootstrap"]["initdb"]["database"] == "facegate"
    assert (
        "CREATE EXTENSION IF NOT EXISTS vector"
        in spec["bootstrap"]["initdb"]["postInitApplicationSQL"]
    )
    pooler = one(docs, "Pooler", "facegate-pg-pooler-rw")
    assert pooler["apiVersion"] == "postgresql.cnpg.io/v1"
    assert pooler["spec"]["cluster"]["name"] == "facegate-pg"
    assert pooler["spec"]["type"] == "rw"
    assert pooler["spec"]["instances"] >= 1
    # Object names: DNS-1123 labels (the operator derives Service names from them).
    for doc in (cluster, pooler):
        kubernetes_validate.validate(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": doc["metadata"]},
            KUBE_VERSION,
            strict=True,
        )


def test_keda_scaled_object_replaces_the_embedder_hpa() -> None:
    docs = render(ha_values())
    scaled = one(docs, "ScaledObject", "facegate-embedder")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    target = scaled["spec"]["scaleTargetRef"]
    one(docs, target.get("kind", "Deployment"), target["name"])
    assert scaled["spec"]["minReplicaCount"] <= scaled["spec"]["maxReplicaCount"]
    assert all(trigger["type"] and trigger["metadata"] for trigger in scaled["spec"]["triggers"])
    # KEDA owns the HPA then: the chart's own would fight it.
    assert not [
        d
        for d in docs
        if d["kind"] == "HorizontalPodAutoscaler" and d["metadata"]["name"] == "facegate-embedder"
    ]
    # Nor does the Deployment pin a replica count the autoscaler would fight.
    assert "replicas" not in one(docs, "Deployment", "facegate-embedder")["spec"]


def test_ingress_serves_tls() -> None:
    ingress = one(render(ha_values()), "Ingress", "facegate")
    assert ingress["spec"]["tls"][0]["hosts"] == ["facegate.example.com"]
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == (
        "facegate-backend"
    )
