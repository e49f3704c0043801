"""What the gallery is now: its model, its size, and the thresholds that size calls for."""

from dataclasses import dataclass
from typing import Any

from backend.domain.policy import MatchPolicy
from backend.domain.ports import GalleryStats
from backend.domain.thresholds import GalleryThresholds


@dataclass(frozen=True)
class GalleryReport:
    model: str
    dim: int
    detector: str
    employees: int
    faces: int
    stranger_accept_target: float
    calibration: str | None  # where the model's calibration table was measured
    thresholds: GalleryThresholds

    def as_dict(self) -> dict[str, Any]:
        t = self.thresholds
        return {
            "model": self.model,
            "dim": self.dim,
            "detector": self.detector,
            "metric": t.metric.value,
            "employees": self.employees,
            "faces": self.faces,
            "match_threshold": t.match,
            "duplicate_refuse_threshold": t.duplicate_refuse,
            "threshold_basis": t.basis,
            "stranger_accept_target": self.stranger_accept_target,
            "expected_stranger_accept": t.expected_stranger_accept,
            "expected_recognition": t.expected_recognition,
            "calibration": self.calibration,
            "warning": t.warning,
        }


class GalleryStatus:
    """Reports the gallery for GET /api/v1/gallery and /readyz."""

    def __init__(self, *, policy: MatchPolicy, stats: GalleryStats) -> None:
        self._policy = policy
        self._stats = stats

    def report(self) -> GalleryReport:
        faces = self._stats.count_faces()
        model = self._policy.model
        calibration = self._policy.calibration
        return GalleryReport(
            model=model.model,
            dim=model.dim,
            detector=model.detector,
            employees=self._stats.count_employees(),
            faces=faces,
            stranger_accept_target=self._policy.stranger_accept_target,
            calibration=calibration.source if calibration else None,
            thresholds=self._policy.thresholds_at(faces),
        )
