"""The gallery's row: its model, metric, generation and threshold settings, which every
replica follows, and the one rule that refuses vectors of another model."""

import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from backend.domain.errors import ModelMismatch, ValidationFailed
from backend.domain.model import Metric, ModelInfo
from backend.domain.thresholds import ThresholdSettings

# How long a replica keeps the row it read. A stale row is harmless for this long: a
# threshold changed by an admin applies 2 s later (as if sent 2 s later), and after a
# re-embed switch the previous generation's table is kept until every replica has moved
# (RETIRE_AFTER_SECONDS), so a replica still on it matches against a complete, consistent
# gallery of the model its embedder runs; enrollments check the generation under a row
# lock and are never written to a stale one. Every replica thus follows within 5 s.
FOLLOW_SECONDS = 2.0
# How long a re-embed run waits after its switch before dropping the old generation:
# more than FOLLOW_SECONDS, so that no replica still searches it.
RETIRE_AFTER_SECONDS = 5.0


@dataclass(frozen=True)
class ThresholdOverrides:
    """Threshold settings written by an admin into the row; None: the configured default."""

    stranger_accept_rate: float | None = None
    match_threshold: float | None = None
    duplicate_threshold: float | None = None
    match_margin: float | None = None
    match_min_gallery: int | None = None

    def applied_to(self, defaults: ThresholdSettings) -> ThresholdSettings:
        """The settings in force: each override where set, else the configured value."""
        return ThresholdSettings(
            stranger_accept_target=_first(
                self.stranger_accept_rate, defaults.stranger_accept_target
            ),
            match_override=_first(self.match_threshold, defaults.match_override),
            duplicate_override=_first(self.duplicate_threshold, defaults.duplicate_override),
            ambiguity_margin=_first(self.match_margin, defaults.ambiguity_margin),
            min_gallery=_first(self.match_min_gallery, defaults.min_gallery),
        )

    def changed(self, changes: dict[str, float | None]) -> "ThresholdOverrides":
        """These overrides with `changes` applied (None clears one), validated."""
        return replace(self, **validated_overrides(changes))


SETTING_NAMES = tuple(f.name for f in fields(ThresholdOverrides))
# The floor's gallery size: 1 turns it off (every size is at least one face).
MIN_GALLERY_RANGE = (1, 1_000_000)


def _first(override: Any, default: Any) -> Any:
    return default if override is None else override


def validated_overrides(changes: dict[str, float | None]) -> dict[str, Any]:
    """The changes, validated, with the floor's size as a whole number."""
    validate_overrides(changes)
    return {
        name: int(value) if name == "match_min_gallery" and value is not None else value
        for name, value in changes.items()
    }


def validate_overrides(changes: dict[str, float | None]) -> None:
    """ValidationFailed naming each unknown setting or value out of its range."""
    problems: dict[str, str] = {}
    ranges = {
        "stranger_accept_rate": (0.0, 1.0, "a rate between 0 and 1 (exclusive)"),
        "match_threshold": (0.0, 4.0, "a distance above 0 and below 4"),
        "duplicate_threshold": (0.0, 4.0, "a distance above 0 and below 4"),
    }
    for name, value in changes.items():
        if name not in SETTING_NAMES:
            problems[name] = "not a gallery setting: " + ", ".join(SETTING_NAMES)
        elif value is None:
            continue
        elif name == "match_margin":
            if not 0.0 <= value < 1.0:
                problems[name] = "a share of the match threshold, at least 0 and below 1"
        elif name == "match_min_gallery":
            low, high = MIN_GALLERY_RANGE
            if not (float(value).is_integer() and low <= value <= high):
                problems[name] = f"a whole number of faces from {low} to {high:,} (1: no floor)"
        elif not ranges[name][0] < value < ranges[name][1]:
            problems[name] = ranges[name][2]
    if problems:
        raise ValidationFailed("some gallery settings are not valid", {"fields": problems})


@dataclass(frozen=True)
class GalleryState:
    """What the row says: None for model until the first backend binds the gallery."""

    model: ModelInfo | None
    metric: Metric
    generation: int
    overrides: ThresholdOverrides = ThresholdOverrides()


def require_model(gallery: ModelInfo, seen: ModelInfo) -> None:
    """Refuse vectors of another model than the gallery's: the one place of that rule."""
    if (seen.model, seen.dim) != (gallery.model, gallery.dim):
        raise ModelMismatch(
            f"the embedder runs {seen.model} ({seen.dim}-d) but the gallery holds "
            f"{gallery.model} ({gallery.dim}-d) vectors; start the embedder with "
            f"EMBEDDER_MODEL={gallery.model}, or move the gallery to {seen.model} with "
            f"`facegate reembed --model {seen.model}` (docs/face-model-and-accuracy.md)",
            {"embedder_model": seen.model, "gallery_model": gallery.model},
        )


def may_adopt(gallery: ModelInfo | None, seen: ModelInfo, faces: int) -> bool:
    """Whether binding the gallery to `seen` makes it adopt that model: yes when unbound
    or empty; no when it already holds `seen`; else ModelMismatch (faces of another)."""
    if gallery is None or (gallery.model, gallery.dim) == (seen.model, seen.dim):
        return gallery is None
    if faces:
        require_model(gallery, seen)
    return True


class FollowedGallery:
    """The row as this replica follows it: read again once FOLLOW_SECONDS have passed."""

    def __init__(
        self, read: Callable[[], GalleryState], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._read = read
        self._clock = clock
        self._cached: tuple[float, GalleryState] | None = None

    def __call__(self) -> GalleryState:
        now = self._clock()
        if self._cached is None or now - self._cached[0] >= FOLLOW_SECONDS:
            self._cached = (now, self._read())
        return self._cached[1]

    def forget(self) -> None:
        """Read the row again at the next call (this replica just changed it)."""
        self._cached = None
