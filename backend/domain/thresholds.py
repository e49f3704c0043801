"""The thresholds in use for a gallery of a given size, and what they promise."""

import math
from dataclasses import dataclass

from backend.domain.calibration import DUPLICATE_REFUSE_FAR, Calibration, to_cosine, to_metric
from backend.domain.model import Metric

# Below this expected recognition rate the gallery is too large for the model to keep
# the stranger target and still let most employees in at the first look.
WARN_BELOW_RECOGNITION = 0.90


@dataclass(frozen=True)
class ThresholdSettings:
    """What the operator asked for: a stranger-accept target, or fixed thresholds."""

    stranger_accept_target: float = 0.005
    match_override: float | None = None
    duplicate_override: float | None = None
    # A match must be nearer than the next employee by this share of the match threshold
    # (in cosine distance, so it scales with each model's distances), else the answer is
    # "ambiguous": booking a check-in to the wrong person is worse than asking the person
    # to see reception. 0.1 was chosen on LFW View 1's training people (bench/README.md,
    # lfw): with SFace at 1,000 employees it cut check-ins as someone else from 0.24 % to
    # 0.08 % for 0.4 points of recognition.
    ambiguity_margin: float = 0.1
    # The thresholds are never looser than the calibrated ones for a gallery of this many
    # faces, however few are enrolled (MATCH_MIN_GALLERY). The calibration's stranger tail
    # comes from LFW's people; a small office of other people met strangers at 5 faces
    # within the gallery-of-5 threshold (3 in 25, issue 25), while the floor costs next to
    # nothing in recognition (bench/README.md, lfw small galleries).
    min_gallery: int = 100


DEFAULT_THRESHOLDS = ThresholdSettings()


@dataclass(frozen=True)
class GalleryThresholds:
    """Distances (on the metric's scale) that decide a match and a refused duplicate."""

    metric: Metric
    faces: int  # enrolled faces: a stranger at the door is compared with each
    match: float
    duplicate_refuse: float
    basis: str  # "calibrated", "configured" or "deepface_1to1"
    expected_stranger_accept: float | None
    expected_recognition: float | None
    warning: str | None = None
    # the gallery size the thresholds were calibrated for: max(faces, the floor's size)
    sized_for: int | None = None
    floor_in_force: bool = False  # fewer faces than the floor: the floor's thresholds apply


def thresholds_for(
    faces: int,
    metric: Metric,
    calibration: Calibration | None,
    deepface_default: float | None,
    settings: ThresholdSettings,
) -> GalleryThresholds:
    """The match threshold for a gallery of `faces` enrolled faces: from the calibration
    and the stranger target, unless MATCH_THRESHOLD fixes it; the duplicate guard's strict
    threshold below it.

    The calibration measured galleries of one photo per person; counting every face of an
    employee enrolled with three photos as one more comparison is conservative (the three
    are alike), and on LFW kept strangers within the target where counting people did not
    (bench/README.md, lfw).

    Below `settings.min_gallery` faces the calibrated thresholds are those of that many
    faces (the floor); a configured MATCH_THRESHOLD is the operator's and is used as set."""
    if calibration is None:
        return _uncalibrated(faces, metric, deepface_default, settings)
    warning = None
    target = settings.stranger_accept_target
    sized_for = max(faces, settings.min_gallery)
    if settings.match_override is not None:
        match_cosine, basis = to_cosine(metric, settings.match_override), "configured"
    else:
        match_cosine, basis = calibration.distance_for_strangers(target, sized_for), "calibrated"
    expected_strangers = calibration.stranger_accept_at(match_cosine, faces)
    expected_recognition = calibration.genuine_accept_at(match_cosine)
    if expected_strangers > target * 1.05:
        warning = (
            f"with {faces} faces enrolled the threshold in use accepts about "
            f"{expected_strangers:.2%} of strangers, above the target of {target:.2%}"
        )
    elif expected_recognition < WARN_BELOW_RECOGNITION:
        warning = (
            f"{calibration.model} keeps strangers at {target:.2%} with {faces} faces enrolled "
            f"only by recognising about {expected_recognition:.0%} of check-ins at the first "
            "look; enroll three photos per person"
        )
    strict_cosine = calibration.distance_for(DUPLICATE_REFUSE_FAR)
    duplicate = (
        settings.duplicate_override
        if settings.duplicate_override is not None
        else to_metric(metric, min(strict_cosine, match_cosine))
    )
    return GalleryThresholds(
        metric=metric,
        faces=faces,
        match=_down(to_metric(metric, match_cosine)),
        duplicate_refuse=_down(duplicate),
        basis=basis,
        expected_stranger_accept=round(expected_strangers, 5),
        expected_recognition=round(expected_recognition, 4),
        warning=warning,
        sized_for=sized_for if basis == "calibrated" else None,
        floor_in_force=basis == "calibrated" and faces < settings.min_gallery,
    )


def _down(distance: float) -> float:
    """Four decimals, rounded towards the stricter side."""
    return math.floor(distance * 10_000) / 10_000


def _uncalibrated(
    faces: int, metric: Metric, deepface_default: float | None, settings: ThresholdSettings
) -> GalleryThresholds:
    """A model without a calibration table: DeepFace's 1:1 threshold or the configured one."""
    match = settings.match_override if settings.match_override is not None else deepface_default
    if match is None:
        raise ValueError(f"no {metric.value} threshold for this model; set MATCH_THRESHOLD")
    duplicate = settings.duplicate_override if settings.duplicate_override is not None else match
    return GalleryThresholds(
        metric=metric,
        faces=faces,
        match=match,
        duplicate_refuse=duplicate,
        basis="configured" if settings.match_override is not None else "deepface_1to1",
        expected_stranger_accept=None,
        expected_recognition=None,
        warning=(
            "this model has no calibration table: its threshold is a 1:1 threshold, and "
            "strangers are accepted more often as the gallery grows (bench/lfw makes one)"
        ),
    )
