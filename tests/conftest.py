"""Shared fixtures: real face photos and, started once per session, the real services."""

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from facegate import samples
from facegate_shared.paths import REPO_ROOT

OUTPUT = REPO_ROOT / "tests" / "output"


@pytest.fixture(scope="session")
def photos() -> dict[str, bytes]:
    """The face_recognition 1.3.0 test photos by file name (fetched from PyPI once)."""
    return {name: samples.photo(name) for name in samples.PHOTOS}


def blank_image(width: int = 640, height: int = 480) -> bytes:
    """A picture with no face in it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (200, 210, 220))
    ImageDraw.Draw(image).rectangle((100, 100, 300, 250), fill=(40, 90, 160))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT


# -- real services, started once per test session --------------------------------------
@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
def postgres(session_dir: Path) -> Iterator[object]:
    from facegate.children import start_postgres

    server = start_postgres(session_dir / "postgres")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3(session_dir: Path) -> Iterator[dict[str, str]]:
    from facegate.children import S3Credentials, start_s3
    from facegate.processes import free_weed_port

    port = free_weed_port()
    credentials = S3Credentials("facegate-test", "test-secret-" + os.urandom(8).hex())
    process = start_s3(session_dir / "s3", port, credentials, session_dir / "s3.log")
    yield {
        "endpoint": f"http://127.0.0.1:{port}",
        "access_key": credentials.access_key,
        "secret_key": credentials.secret_key,
    }
    process.stop()


# The second model the project supports, beside the default (SFace with YuNet).
DLIB = {"EMBEDDER_MODEL": "Dlib", "EMBEDDER_DETECTOR": "dlib", "EMBEDDER_PROCESSES": "1"}
SFACE_INT8 = {"EMBEDDER_MODEL": "SFace-int8", "EMBEDDER_PROCESSES": "1", "EMBEDDER_WORKERS": "1"}


def _embedder(session_dir: Path, name: str, env: dict[str, str]) -> Iterator[str]:
    from facegate.children import start_embedder
    from facegate.processes import free_port

    port = free_port()
    process = start_embedder(port, env, session_dir / f"{name}.log")
    yield f"http://127.0.0.1:{port}"
    process.stop()


@pytest.fixture(scope="session")
def embedder_url(session_dir: Path) -> Iterator[str]:
    """The real embedder service (python -m embedder) with the default model's weights."""
    from facegate.children import one_machine_embedder

    # One embedder for the whole session, as `make run` starts it.
    yield from _embedder(session_dir, "embedder", one_machine_embedder())


@pytest.fixture(scope="session")
def dlib_embedder_url(session_dir: Path) -> Iterator[str]:
    """A second real embedder on Dlib: every installed model is tested, not only one."""
    yield from _embedder(session_dir, "embedder-dlib", DLIB)


@pytest.fixture(scope="session")
def int8_embedder_url(session_dir: Path) -> Iterator[str]:
    """A real embedder on SFace-int8 (the opt-in model quantized at start)."""
    yield from _embedder(session_dir, "embedder-int8", SFACE_INT8)


def extractions_served(embedder_url: str) -> int:
    """How many extractions an embedder has served, read off its /metrics."""
    import httpx

    text = httpx.get(embedder_url + "/metrics", timeout=5).text
    found = re.search(r"^embedder_extract_requests_total (\d+)$", text, re.M)
    return int(found.group(1)) if found else 0


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the facegate command as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "facegate", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )
