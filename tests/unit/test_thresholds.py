"""The gallery's threshold: set for its size from a calibration, not for a pair."""

import pytest

from backend.calibration import load_calibration
from backend.domain.calibration import Calibration, CalibrationPoint, to_cosine, to_metric
from backend.domain.matching import MatchPolicy
from backend.domain.model import Metric, ModelInfo
from backend.domain.thresholds import ThresholdSettings, thresholds_for

SIZES = (1, 10, 100, 1000, 10000)


def synthetic_calibration() -> Calibration:
    """FAR per comparison from 1e-8 at distance 0.1 to 1e-1 at 0.9 (log-linear); strangers
    compound it as 1 - (1 - FAR)^N; genuine acceptance rises from 0.3 to 1."""
    points = []
    for step in range(17):
        distance = 0.1 + step * 0.05
        far = 10 ** (-8 + 7 * step / 16)
        points.append(
            CalibrationPoint(
                distance=distance,
                false_accept=far,
                genuine_accept=min(1.0, 0.3 + step * 0.05),
                stranger_accept={n: 1 - (1 - far) ** n for n in SIZES},
            )
        )
    return Calibration("Synthetic", "made up for a test", 10**8, 10**5, tuple(points))


def test_threshold_tightens_as_the_gallery_grows():
    calibration = synthetic_calibration()
    settings = ThresholdSettings(stranger_accept_target=0.005, min_gallery=1)  # no floor
    matches = [thresholds_for(n, Metric.COSINE, calibration, None, settings).match for n in SIZES]
    assert matches == sorted(matches, reverse=True)
    assert len(set(matches)) == len(matches)


@pytest.mark.parametrize("faces", [1, 30, 1000, 3000])
def test_calibrated_threshold_keeps_the_stranger_target(faces):
    calibration = synthetic_calibration()
    settings = ThresholdSettings(stranger_accept_target=0.01, min_gallery=1)  # no floor
    used = thresholds_for(faces, Metric.COSINE, calibration, None, settings)
    assert used.basis == "calibrated"
    assert used.expected_stranger_accept == pytest.approx(0.01, rel=0.02)
    # what the table says of that distance, by 1 - (1 - FAR)^N, agrees
    far = calibration.false_accept_at(used.match)
    assert 1 - (1 - far) ** faces == pytest.approx(0.01, rel=0.05)


def test_gallery_sizes_between_and_beyond_the_measured_ones():
    calibration = synthetic_calibration()
    settings = ThresholdSettings()
    at_300 = thresholds_for(300, Metric.COSINE, calibration, None, settings).match
    at_100 = thresholds_for(100, Metric.COSINE, calibration, None, settings).match
    at_1000 = thresholds_for(1000, Metric.COSINE, calibration, None, settings).match
    assert at_1000 < at_300 < at_100
    beyond = thresholds_for(50_000, Metric.COSINE, calibration, None, settings)
    assert beyond.match < thresholds_for(10_000, Metric.COSINE, calibration, None, settings).match
    assert beyond.expected_stranger_accept is not None
    assert beyond.expected_stranger_accept <= 0.0055


def test_duplicate_guard_refuses_only_far_below_the_match_threshold():
    used = thresholds_for(100, Metric.COSINE, synthetic_calibration(), None, ThresholdSettings())
    assert used.duplicate_refuse < used.match
    # FAR per comparison at the strict threshold is at most 1e-6
    assert synthetic_calibration().false_accept_at(used.duplicate_refuse) <= 1.0001e-6


def test_match_threshold_setting_overrides_the_calibration():
    used = thresholds_for(
        1000,
        Metric.COSINE,
        synthetic_calibration(),
        None,
        ThresholdSettings(match_override=0.8),
    )
    assert (used.match, used.basis) == (0.8, "configured")
    assert used.warning is not None and "above the target" in used.warning


def test_other_metrics_use_the_same_distances_on_their_own_scale():
    calibration = synthetic_calibration()
    cosine = thresholds_for(100, Metric.COSINE, calibration, None, ThresholdSettings())
    euclidean = thresholds_for(100, Metric.EUCLIDEAN, calibration, None, ThresholdSettings())
    inner = thresholds_for(100, Metric.INNER_PRODUCT, calibration, None, ThresholdSettings())
    assert euclidean.match == pytest.approx(to_metric(Metric.EUCLIDEAN, cosine.match), abs=1e-3)
    assert to_cosine(Metric.EUCLIDEAN, euclidean.match) == pytest.approx(cosine.match, abs=1e-3)
    assert inner.match == cosine.match


def test_a_model_that_cannot_keep_the_target_says_so():
    used = thresholds_for(
        10_000,
        Metric.COSINE,
        synthetic_calibration(),
        None,
        ThresholdSettings(stranger_accept_target=0.0001),
    )
    assert used.warning is not None and "enroll three photos" in used.warning


def test_policy_follows_the_gallery_size_with_a_short_cache():
    size = {"faces": 10}
    now = {"t": 0.0}
    policy = MatchPolicy.fixed(
        ModelInfo("Synthetic", 3, "none"),
        Metric.COSINE,
        calibration=synthetic_calibration(),
        gallery_size=lambda: size["faces"],
        clock=lambda: now["t"],
    )
    small = policy.thresholds()
    size["faces"] = 10_000
    assert policy.thresholds() == small  # within the refresh period
    now["t"] = 10.0
    assert policy.thresholds().match < small.match


@pytest.mark.parametrize("model", ["SFace", "Dlib"])
def test_shipped_calibrations_load_and_tighten_with_size(model):
    calibration = load_calibration(model)
    assert calibration is not None and calibration.model == model
    assert "LFW View 1" in calibration.source
    matches = [
        thresholds_for(n, Metric.COSINE, calibration, None, ThresholdSettings()).match
        for n in (10, 100, 1000, 10000)
    ]
    assert matches == sorted(matches, reverse=True) and matches[0] > matches[-1]
