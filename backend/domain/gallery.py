"""What the gallery is now: its model, generation, size, the threshold settings in force
(and where each comes from), the thresholds they give; and an admin's recalibration."""

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from backend.domain.audit import RECALIBRATED, SYSTEM, Actor
from backend.domain.gallery_state import validated_overrides
from backend.domain.matching import MatchPolicy
from backend.domain.ports import AuditTrail, GalleryRow, GalleryStats
from backend.domain.thresholds import GalleryThresholds

# The row's overrides and the configuration's settings they replace, by name.
CONFIGURED = {
    "stranger_accept_rate": "stranger_accept_target",
    "match_threshold": "match_override",
    "duplicate_threshold": "duplicate_override",
    "match_margin": "ambiguity_margin",
    "match_min_gallery": "min_gallery",
}


@dataclass(frozen=True)
class GalleryReport:
    model: str
    dim: int
    detector: str
    generation: int
    employees: int
    faces: int
    stranger_accept_target: float
    calibration: str | None  # where the model's calibration table was measured
    thresholds: GalleryThresholds
    # setting -> {"value": ..., "source": "gallery" (set by an admin) or "configuration"}
    settings: dict[str, dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        t = self.thresholds
        return {
            "model": self.model,
            "dim": self.dim,
            "detector": self.detector,
            "metric": t.metric.value,
            "generation": self.generation,
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
            "match_min_gallery": self.settings["match_min_gallery"]["value"],
            "threshold_floor_in_force": t.floor_in_force,
            "thresholds_sized_for": t.sized_for,
            "settings": self.settings,
        }


class GalleryStatus:
    """Reports the gallery for GET /api/v1/gallery and /readyz; recalibrates it."""

    def __init__(
        self,
        *,
        policy: MatchPolicy,
        stats: GalleryStats,
        row: GalleryRow,
        audit: AuditTrail,
        changed: Callable[[], None] = lambda: None,
    ) -> None:
        self._audit = audit
        self._policy = policy
        self._stats = stats
        self._row = row
        self._changed = changed

    def report(self) -> GalleryReport:
        faces = self._stats.count_faces()
        state = self._policy.state()
        model = self._policy.model
        calibration = self._policy.calibration
        in_force = self._policy.settings(state)
        defaults = self._policy.defaults
        settings = {}
        for f in fields(state.overrides):
            override = getattr(state.overrides, f.name)
            configured = getattr(in_force if override is not None else defaults, CONFIGURED[f.name])
            settings[f.name] = {
                "value": configured,
                "source": "gallery" if override is not None else "configuration",
            }
        return GalleryReport(
            model=model.model,
            dim=model.dim,
            detector=model.detector,
            generation=state.generation,
            employees=self._stats.count_employees(),
            faces=faces,
            stranger_accept_target=in_force.stranger_accept_target,
            calibration=calibration.source if calibration else None,
            thresholds=self._policy.thresholds_at(faces, state),
            settings=settings,
        )

    def recalibrate(
        self, changes: dict[str, float | None], *, actor: Actor = SYSTEM
    ) -> GalleryReport:
        """Write threshold settings into the gallery's row (None: back to the configured
        value); every replica follows within seconds. The report as it is then."""
        changes = validated_overrides(changes)
        if changes:
            self._row.set_thresholds(changes)
            self._audit.record(actor, RECALIBRATED, "gallery", "thresholds", dict(changes))
        self._changed()
        return self.report()
