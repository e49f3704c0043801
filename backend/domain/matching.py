"""Who matches whom: the gallery's thresholds at its size and its model rule, as the
gallery's row says now."""

import time
from collections.abc import Callable

from backend.domain.calibration import Calibration, to_cosine
from backend.domain.errors import ModelMismatch
from backend.domain.gallery_state import GalleryState, require_model
from backend.domain.model import CheckInResult, Match, Metric, ModelInfo
from backend.domain.thresholds import GalleryThresholds, ThresholdSettings, thresholds_for

# How often the gallery's size is read again for its threshold (see MatchPolicy.thresholds).
SIZE_REFRESH_SECONDS = 5.0


class MatchPolicy:
    """The thresholds and the model rule of the gallery as its row says now (followed
    through `gallery`, a short cache), at the gallery's current size."""

    def __init__(
        self,
        gallery: Callable[[], GalleryState],
        *,
        defaults: ThresholdSettings | None = None,
        calibrations: Callable[[str], Calibration | None] = lambda _: None,
        gallery_size: Callable[[], int] = lambda: 0,
        site_size: Callable[[int], int] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._gallery = gallery
        self._defaults = defaults or ThresholdSettings()
        self._calibrations = calibrations
        self._calibration_of: dict[str, Calibration | None] = {}
        self._gallery_size = gallery_size
        self._clock = clock
        self._site_size = site_size
        # One cached entry per search scope: None is the whole gallery, else a site id.
        self._cached: dict[int | None, tuple[float, GalleryState, GalleryThresholds]] = {}

    @classmethod
    def fixed(
        cls,
        model: ModelInfo,
        metric: Metric,
        *,
        calibration: Calibration | None,
        settings: ThresholdSettings | None = None,
        gallery_size: Callable[[], int] = lambda: 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> "MatchPolicy":
        """A policy for a gallery whose row never changes (tools, tests)."""
        state = GalleryState(model, metric, 1)
        return cls(
            lambda: state,
            defaults=settings,
            calibrations=lambda _: calibration,
            gallery_size=gallery_size,
            clock=clock,
        )

    def state(self) -> GalleryState:
        """The row now; the gallery is bound to a model by the time anything is served."""
        state = self._gallery()
        if state.model is None:
            raise ModelMismatch("the gallery has no model yet: start the backend once")
        return state

    @property
    def model(self) -> ModelInfo:
        model = self.state().model
        assert model is not None
        return model

    @property
    def metric(self) -> Metric:
        return self.state().metric

    @property
    def calibration(self) -> Calibration | None:
        return self._calibration(self.model.model)

    def settings(self, state: GalleryState | None = None) -> ThresholdSettings:
        """The threshold settings in force: the row's overrides over the configuration."""
        return (state or self.state()).overrides.applied_to(self._defaults)

    @property
    def defaults(self) -> ThresholdSettings:
        return self._defaults

    @property
    def stranger_accept_target(self) -> float:
        return self.settings().stranger_accept_target

    def decide(
        self, nearest: list[Match], site_id: int | None = None
    ) -> tuple[Match | None, CheckInResult]:
        """The employee a query is, from its nearest faces (nearest first): the nearest
        face when it is within the match threshold and no other employee's face is within
        the ambiguity margin of it; else None and why (NO_MATCH or AMBIGUOUS). With
        `site_id`, the threshold is the one for the faces a search at that site reads."""
        state = self.state()
        threshold = self.thresholds(site_id).match
        if not nearest or nearest[0].distance > threshold:
            return None, CheckInResult.NO_MATCH
        best = nearest[0]
        runner_up = next((m for m in nearest if m.employee_id != best.employee_id), None)
        if runner_up is not None:
            metric = state.metric
            gap = to_cosine(metric, runner_up.distance) - to_cosine(metric, best.distance)
            if gap < self.settings(state).ambiguity_margin * to_cosine(metric, threshold):
                return None, CheckInResult.AMBIGUOUS
        return best, CheckInResult.MATCHED

    def thresholds(self, site_id: int | None = None) -> GalleryThresholds:
        """The thresholds for the gallery's size now (or the site's searched part of it).

        The size is read at most every SIZE_REFRESH_SECONDS: a cache that is harmless when
        stale, because a few faces more or less move the threshold by a hair, and every
        replica reads the same count from the database. A changed row (new settings, a
        new generation) is taken at once."""
        now, state = self._clock(), self.state()
        scope = None if self._site_size is None else site_id
        cached = self._cached.get(scope)
        if cached is None or cached[1] != state or now - cached[0] >= SIZE_REFRESH_SECONDS:
            size = self._gallery_size() if scope is None else self._site_size_of(scope)
            cached = (now, state, self.thresholds_at(size, state))
            self._cached[scope] = cached
        return cached[2]

    def _site_size_of(self, site_id: int) -> int:
        assert self._site_size is not None
        return self._site_size(site_id)

    def thresholds_at(self, faces: int, state: GalleryState | None = None) -> GalleryThresholds:
        """The thresholds a gallery of `faces` enrolled faces would use."""
        state = state or self.state()
        assert state.model is not None
        return thresholds_for(
            faces,
            state.metric,
            self._calibration(state.model.model),
            state.model.thresholds.get(state.metric.deepface_name),
            self.settings(state),
        )

    def check_model(self, seen: ModelInfo) -> GalleryState:
        """The row now, once vectors of `seen` are known to fit it (else ModelMismatch)."""
        state = self.state()
        assert state.model is not None
        require_model(state.model, seen)
        return state

    def _calibration(self, model: str) -> Calibration | None:
        if model not in self._calibration_of:
            self._calibration_of[model] = self._calibrations(model)
        return self._calibration_of[model]
