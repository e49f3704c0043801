"""Thresholds for a gallery, not for a pair.

A stranger at the door is compared with every employee, so a threshold that is fine for
1:1 (DeepFace's table) accepts a large share of strangers in a large office: with a
false-accept rate per comparison FAR, about 1 - (1 - FAR)^N of them for N employees.
Each supported model ships a calibration measured on LFW View 1 (bench/lfw/calibrate.py):
at a grid of distances, FAR per comparison, genuine acceptance, and the stranger-accept
rate (FPIR) measured for galleries of several sizes. The match threshold is the largest
distance whose FPIR at the gallery's size stays within the target, so it tightens as
the gallery grows.

Distances are cosine distances between unit vectors; the other metrics are exact
functions of it (euclidean = sqrt(2 * cosine), inner product reported as 1 - a.b).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

from backend.domain.model import Metric

# The duplicate guard refuses outright only where a different person is this unlikely per
# comparison: 2,800 distinct people enrolled in turn then meet a false refusal < 0.3 %.
DUPLICATE_REFUSE_FAR = 1e-6


@dataclass(frozen=True)
class CalibrationPoint:
    distance: float  # cosine distance
    false_accept: float  # share of different-person pairs at or below `distance`
    genuine_accept: float  # share of same-person pairs at or below it (each person once)
    # gallery size (distinct people) -> share of strangers within `distance` of anyone
    stranger_accept: dict[int, float]


@dataclass(frozen=True)
class Calibration:
    """One model's table, ascending in distance."""

    model: str
    source: str
    impostor_pairs: int
    genuine_pairs: int
    points: tuple[CalibrationPoint, ...]

    @property
    def smallest_far(self) -> float:
        """The lowest FAR per comparison the table can tell apart from zero."""
        return min((p.false_accept for p in self.points if p.false_accept > 0), default=1.0)

    def distance_for(self, false_accept: float) -> float:
        """The largest cosine distance whose FAR per comparison is at most `false_accept`."""
        return self._largest_within(lambda d: self.false_accept_at(d), false_accept)

    def distance_for_strangers(self, stranger_accept: float, people: int) -> float:
        """The largest cosine distance that accepts at most `stranger_accept` of strangers
        at a gallery of `people` employees."""
        return self._largest_within(lambda d: self.stranger_accept_at(d, people), stranger_accept)

    def false_accept_at(self, distance: float) -> float:
        return self._along(distance, lambda p: p.false_accept, log=True)

    def genuine_accept_at(self, distance: float) -> float:
        return self._along(distance, lambda p: p.genuine_accept, log=False)

    def stranger_accept_at(self, distance: float, people: int) -> float:
        """FPIR at `distance` for `people` employees: measured sizes interpolated on a log
        scale; beyond the largest, its FPIR compounded as independent blocks."""
        return self._along(distance, lambda p: _by_size(p.stranger_accept, people), log=True)

    def _largest_within(self, rate: Callable[[float], float], limit: float) -> float:
        low, high = self.points[0].distance, self.points[-1].distance
        if rate(low) > limit:
            return low
        if rate(high) <= limit:
            return high
        for _ in range(50):  # the rates rise with distance: bisect
            middle = (low + high) / 2
            low, high = (middle, high) if rate(middle) <= limit else (low, middle)
        return low

    def _along(self, distance: float, get: Callable[[CalibrationPoint], float], log: bool) -> float:
        """A value of the table at `distance`, interpolated between grid points."""
        points = self.points
        if distance <= points[0].distance:
            return get(points[0])
        for low, high in zip(points, points[1:]):
            if distance <= high.distance:
                return _between(get(low), get(high), low.distance, high.distance, distance, log)
        return get(points[-1])


def _by_size(measured: dict[int, float], people: int) -> float:
    sizes = sorted(measured)
    people = max(people, sizes[0])
    if people >= sizes[-1]:
        largest = measured[sizes[-1]]
        return 1.0 - (1.0 - largest) ** (people / sizes[-1])
    for small, large in zip(sizes, sizes[1:]):
        if people <= large:
            return _between(
                measured[small],
                measured[large],
                math.log(small),
                math.log(large),
                math.log(people),
                log=True,
            )
    raise AssertionError("unreachable")


def _between(a: float, b: float, x0: float, x1: float, x: float, log: bool) -> float:
    """Linear interpolation between (x0, a) and (x1, b), on a log scale of the values when
    both are positive (rates span many decades)."""
    share = (x - x0) / ((x1 - x0) or 1.0)
    if log and a > 0 and b > 0:
        return math.exp(math.log(a) + share * (math.log(b) - math.log(a)))
    return a + share * (b - a)


def to_metric(metric: Metric, cosine: float) -> float:
    """A cosine distance between unit vectors, on the metric's own scale."""
    return math.sqrt(2.0 * cosine) if metric is Metric.EUCLIDEAN else cosine


def to_cosine(metric: Metric, distance: float) -> float:
    return distance * distance / 2.0 if metric is Metric.EUCLIDEAN else distance
