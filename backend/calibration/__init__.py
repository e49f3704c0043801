"""The calibration tables shipped with facegate, one JSON file per model.

They are written by `python -m bench.lfw --calibrate` from LFW View 1's training people
(never by hand) and read here into the domain's Calibration.
"""

import json
from importlib import resources
from pathlib import Path
from typing import Any

from backend.domain.calibration import Calibration, CalibrationPoint

FOLDER = Path(__file__).resolve().parent


def table_path(model: str) -> Path:
    return FOLDER / f"{model.lower()}.json"


def load_calibration(model: str) -> Calibration | None:
    """The model's calibration, or None when facegate has none for it."""
    source = resources.files(__package__) / f"{model.lower()}.json"
    if not source.is_file():
        return None
    return from_json(json.loads(source.read_text()))


def from_json(data: dict[str, Any]) -> Calibration:
    return Calibration(
        model=data["model"],
        source=data["source"],
        impostor_pairs=int(data["impostor_pairs"]),
        genuine_pairs=int(data["genuine_pairs"]),
        points=tuple(
            CalibrationPoint(
                distance=float(p["cosine"]),
                false_accept=float(p["far"]),
                genuine_accept=float(p["gar"]),
                stranger_accept={int(n): float(v) for n, v in p["fpir"].items()},
            )
            for p in data["points"]
        ),
    )
