"""The OpenAPI document as integrators get it: named operations, roles on each one, the
multipart bodies as components, and the conventions every route follows."""

import json
import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from backend.handler.openapi import FORMS

API_KEY = "APIKeyHeader"  # the security scheme FastAPI names after fastapi.security

DESCRIPTION = """\
Self-hosted face check-in. Every `/api/v1` operation needs an API key in the `X-API-Key`
header; the roles it accepts are in its description and in `x-roles` (`admin`: HR, payroll,
integrations; `kiosk`: check-in only).

- **Errors** always have the body `{"error": {"code", "message", "details"}}`; each
  operation lists the statuses it may answer and the codes behind them.
- **Pages**: every list takes `limit` and `offset` and answers
  `{"items": [...], "total", "limit", "offset"}`; the next page is at `offset + limit`
  while that is below `total`.
- **Safe retries**: creates take an `Idempotency-Key` header. A retry with the same key
  within 24 h gets the first answer (same status and body, header `Idempotent-Replayed:
  true`) and creates nothing; the same key with a different request gets 422
  `idempotency_key_reused`; while the first request still runs a retry waits for it (409
  `idempotency_key_in_use` when that takes over 30 s). Errors are not kept: a retry after
  an error runs again.
- **Times** are ISO 8601 with their zone; days are `YYYY-MM-DD` in the office's time zone.
- **Stability**: `/api/v1` only grows: operations, fields and codes are added, never
  renamed or removed. Changes are listed in CHANGELOG.md.
"""

TAGS = [
    {"name": "employees", "description": "Enroll employees from photos, read, change, erase."},
    {"name": "check-in", "description": "Who is at the door: a kiosk sends a frame."},
    {"name": "attendance", "description": "Check-ins as recorded, and each employee's day."},
    {"name": "gallery", "description": "The face gallery's model, size and thresholds."},
    {"name": "keys", "description": "API keys: list, create (secret shown once), revoke."},
    {"name": "webhooks", "description": "Receivers told of check-ins and enrollments."},
    {"name": "audit", "description": "Who changed or read biometric data: the hash-chained log."},
    {"name": "auth", "description": "The calling API key."},
    {"name": "health", "description": "Liveness and readiness (no key needed)."},
]


def install_contract(app: FastAPI) -> None:
    """Serve the finished document at /openapi.json (built once, then cached)."""

    def contract() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=DESCRIPTION,
                routes=app.routes,
                tags=TAGS,
            )
            document.setdefault("components", {}).setdefault("schemas", {}).update(FORMS)
            _write_roles(document)
            _summaries(document)
            app.openapi_schema = _binary_files(document)
        return app.openapi_schema

    app.openapi = contract  # type: ignore[method-assign]


def contract_text(app: FastAPI) -> str:
    """The document as committed in openapi.json."""
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


def _write_roles(document: dict[str, Any]) -> None:
    """The roles of each operation's API-key requirement, as x-roles and in words."""
    for operations in document["paths"].values():
        for operation in operations.values():
            roles = [r for need in operation.get("security", []) for r in need.get(API_KEY, [])]
            if not roles:
                continue
            operation["x-roles"] = roles
            said = operation.get("description", "").rstrip()
            operation["description"] = f"{said}\n\nRoles: {', '.join(roles)}.".lstrip()


def _summaries(document: dict[str, Any]) -> None:
    """Each operation's summary from its id: enrollEmployee is "Enroll employee"."""
    for operations in document["paths"].values():
        for operation in operations.values():
            words = re.sub(r"(?<!^)(?=[A-Z])", " ", operation["operationId"]).lower()
            operation["summary"] = words[:1].upper() + words[1:]


def _binary_files(node: Any) -> Any:
    """OpenAPI 3.1's `contentMediaType` file fields as `format: binary`, which generators
    turn into a file (openapi-python-client makes a str of the former)."""
    if isinstance(node, dict):
        if node.get("type") == "string" and "contentMediaType" in node:
            node = {k: v for k, v in node.items() if k != "contentMediaType"}
            node["format"] = "binary"
        return {key: _binary_files(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_binary_files(value) for value in node]
    return node
