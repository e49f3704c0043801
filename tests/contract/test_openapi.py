"""schemathesis over the backend's /openapi.json, every check, on the app with fakes:
each answer must be one the schema documents (status, body, headers, content type)."""

import os
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from backend.config import BackendSettings
from backend.domain.model import Role
from backend.main import create_app
from tests.unit.fakes import face
from tests.unit.world import FakeWorld

PHOTO = b"\xff\xd8photo"


def make_app():
    world = FakeWorld()
    world.embedder.faces[PHOTO] = [face((1.0, 0.0, 0.0))]
    static = Path(tempfile.mkdtemp())
    app = create_app(BackendSettings(static_dir=static), services=world.services())
    key = world.keys.create("fuzz", Role.ADMIN)[1]
    return app, key


APP, ADMIN_KEY = make_app()
os.environ["FACEGATE_FUZZ_KEY"] = ADMIN_KEY
CONFIG = schemathesis.Config.from_path(Path(__file__).resolve().parents[2] / "schemathesis.toml")
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_keeps_its_contract(case):
    case.call_and_validate()
