"""The contract is reviewed like code: openapi.json is what the app serves, every operation
is named, tagged, typed and says who may call it, and CHANGELOG.md lists each one."""

import json
import re
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient

from backend.config import BackendSettings
from backend.main import create_app
from tests.unit.world import FakeWorld

ROOT = Path(__file__).resolve().parents[2]
HINT = "the API changed: run `make openapi` (facegate openapi > openapi.json), review, commit"


def served() -> dict:
    app = create_app(
        BackendSettings(static_dir=Path(tempfile.mkdtemp())), services=FakeWorld().services()
    )
    with TestClient(app) as client:
        return client.get("/openapi.json").json()


SERVED = served()


def operations():
    for path, methods in SERVED["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_committed_contract_is_the_served_one():
    committed = json.loads((ROOT / "openapi.json").read_text())
    assert committed == SERVED, HINT


def test_every_operation_has_a_stable_camel_case_id_and_a_tag():
    ids = [operation["operationId"] for *_, operation in operations()]
    assert len(ids) == len(set(ids))
    for path, method, operation in operations():
        assert re.fullmatch(r"[a-z]+([A-Z][a-z]*)*", operation["operationId"]), (path, method)
        assert operation.get("tags"), (path, method)
    assert {"enrollEmployee", "checkIn", "listCheckins", "getGallery", "whoAmI"} <= set(ids)


def test_every_api_operation_needs_a_key_and_names_its_roles():
    for path, method, operation in operations():
        if not path.startswith("/api/v1/"):
            continue
        assert operation["security"], (path, method)
        roles = operation["x-roles"]
        assert set(roles) <= {"admin", "kiosk", "enroll"} and roles, (path, method)
        assert f"Roles: {', '.join(roles)}." in operation["description"]
    scheme = SERVED["components"]["securitySchemes"]["APIKeyHeader"]
    assert scheme == {"type": "apiKey", "in": "header", "name": "X-API-Key"}


def test_every_answer_is_a_named_model():
    for path, method, operation in operations():
        for status, answer in operation["responses"].items():
            json_body = answer.get("content", {}).get("application/json")
            if json_body is None:
                continue
            schema = json_body["schema"]
            refs = [schema] if "$ref" in schema else schema.get("anyOf", [])
            assert refs and all("$ref" in r for r in refs), (path, method, status)


def test_uploads_are_binary_files_to_generators():
    text = json.dumps(SERVED)
    assert "contentMediaType" not in text
    forms = SERVED["components"]["schemas"]
    for form in ("EnrollmentForm", "CheckinForm"):
        assert forms[form]["properties"]["image"] == {
            "type": "string",
            "format": "binary",
            "description": "a JPEG, PNG, WebP, GIF, TIFF or BMP photo",
        }


def test_lists_share_one_page_shape():
    schemas = SERVED["components"]["schemas"]
    pages = [name for name in schemas if name.endswith("Page")]
    assert pages
    for name in pages:
        assert {"items", "total", "limit", "offset"} <= set(schemas[name]["required"])


def test_every_operation_answering_a_page_takes_limit_and_offset():
    paged = 0
    for path, method, operation in operations():
        answer = operation["responses"].get("200", {}).get("content", {})
        schema = answer.get("application/json", {}).get("schema", {})
        if schema.get("$ref", "").endswith("Page"):
            names = {p["name"] for p in operation.get("parameters", [])}
            assert {"limit", "offset"} <= names, (path, method)
            paged += 1
    assert paged >= 2


def test_creates_take_an_idempotency_key():
    for path, method, operation in operations():
        if method == "post" and operation["operationId"].startswith(("enroll", "create")):
            names = [p["name"] for p in operation.get("parameters", [])]
            assert "Idempotency-Key" in names, path


def test_changelog_names_every_operation():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    missing = [op["operationId"] for *_, op in operations() if op["operationId"] not in changelog]
    assert not missing, f"list these API changes in CHANGELOG.md: {missing}"
