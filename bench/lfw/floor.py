"""Small offices and busy photos on LFW (issue 25), SFace:

- open-set 1:N at 5, 10, 25, 100 and 1,000 employees (one photo each, strangers from the
  held-out people, bench/lfw/protocol.py), at the calibrated threshold for the gallery's
  own size and with the threshold floor (MATCH_MIN_GALLERY);
- enrollment of each person's first photo, refused as the backend refused it before
  (any second face: multiple_faces) and as it does now (backend/domain/face_choice.py).

.venv/bin/python -m bench.lfw --floor     (bench/results/lfw_floor.json and its tables)
"""

import statistics
from typing import Any

import numpy as np

from backend.calibration import load_calibration
from backend.domain.errors import DomainError
from backend.domain.face_choice import enrollment_face
from backend.domain.model import DetectedFace, Metric, Quality
from backend.domain.policy import QualityFloor
from backend.domain.thresholds import DEFAULT_THRESHOLDS, ThresholdSettings, thresholds_for
from bench.common import save
from bench.lfw import protocol
from bench.lfw.data import Lfw
from bench.lfw.faces import PhotoFaces, needed_photos, photo_faces

MODEL = "SFace"
SIZES = (5, 10, 25, 100, 1000)
# small galleries are noisy (a handful of check-ins each): more draws where they are cheap
DRAWS = {5: 200, 10: 100, 25: 40, 100: 10, 1000: 10}
MARGIN = DEFAULT_THRESHOLDS.ambiguity_margin
FLOOR = DEFAULT_THRESHOLDS.min_gallery
LFW_FRAME = (250, 250)  # every LFW image is a 250x250 crop


def run(lfw: Lfw) -> dict[str, Any]:
    """Both measurements, saved as bench/results/lfw_floor.json."""
    found = photo_faces(lfw, MODEL, needed_photos(lfw), "floor")
    result = {
        "model": MODEL,
        "floor": FLOOR,
        "photos_embedded": len(found.photos),
        "embed_ms_per_photo_per_core": round(found.vectors.seconds_per_photo * 1000, 1),
        "galleries": small_galleries(lfw, found),
        "enrollment": first_photo_enrollment(lfw, found),
    }
    save("lfw_floor", result)
    return result


def small_galleries(lfw: Lfw, found: PhotoFaces) -> list[dict[str, Any]]:
    calibration = load_calibration(MODEL)
    rows = []
    for size in SIZES:
        by_rule: dict[str, list[Any]] = {"own size": [], "floor": []}
        checkins = strangers = 0
        for seed in range(DRAWS[size]):
            gallery = protocol.draw_gallery(lfw, found.vectors, size, 1, seed)
            nearest = protocol.nearest(gallery)
            checkins += len(gallery.genuine) + gallery.genuine_missing
            strangers += len(gallery.strangers)
            for rule, floor in (("own size", 1), ("floor", FLOOR)):
                settings = ThresholdSettings(min_gallery=floor)
                used = thresholds_for(
                    len(gallery.faces), Metric.COSINE, calibration, None, settings
                )
                outcome = protocol.outcome(nearest, used.match, MARGIN * used.match)
                by_rule[rule].append((used.match, outcome, nearest))
        for rule, runs in by_rule.items():
            accepted = sum(o.strangers_accepted * len(n.stranger_distance) for _, o, n in runs)
            rows.append(
                {
                    "size": size,
                    "rule": rule,
                    "draws": DRAWS[size],
                    "threshold": round(statistics.fmean(t for t, _, _ in runs), 4),
                    "checkins": checkins,
                    "stranger_photos": strangers,
                    "strangers_accepted_count": round(accepted),
                    "right": round(statistics.fmean(o.right for _, o, _ in runs), 5),
                    "someone_else": round(statistics.fmean(o.someone_else for _, o, _ in runs), 5),
                    "strangers_accepted": round(accepted / strangers, 5),
                }
            )
    return rows


def first_photo_enrollment(lfw: Lfw, found: PhotoFaces) -> dict[str, Any]:
    """Each person's first photo enrolled under the old rule and the new one."""
    floor = QualityFloor()
    index = {photo: row for row, photo in enumerate(found.photos)}
    by_photo: dict[int, list[np.ndarray]] = {}
    for face in found.faces:
        by_photo.setdefault(int(face[0]), []).append(face)
    before: dict[str, int] = {}
    after: dict[str, int] = {}
    # the same, among people whose own face (the labelled one) reaches the size floor
    large_before: dict[str, int] = {}
    large_after: dict[str, int] = {}
    large_enough = wrong_face = 0
    for name in sorted(lfw.people):
        faces = [_detected(f) for f in by_photo.get(index[lfw.people[name][0]], [])]
        labelled = _labelled(faces)
        big = labelled is not None and labelled.quality.face_size >= floor.min_face_size
        large_enough += big
        old = _old_rule(faces, floor)
        verdict, chosen = _new_rule(faces, floor)
        _count(before, old)
        _count(after, verdict)
        if big:
            _count(large_before, old)
            _count(large_after, verdict)
        wrong_face += chosen is not None and chosen is not labelled
    people = len(lfw.people)
    return {
        "people": people,
        "with_a_face_of_the_floor": large_enough,
        "before": before,
        "after": after,
        "refused_before": round(1 - before.get("enrolled", 0) / people, 5),
        "refused_after": round(1 - after.get("enrolled", 0) / people, 5),
        "large_enough_before": large_before,
        "large_enough_after": large_after,
        "refused_before_of_large_enough": round(
            1 - large_before.get("enrolled", 0) / large_enough, 5
        ),
        "refused_after_of_large_enough": round(
            1 - large_after.get("enrolled", 0) / large_enough, 5
        ),
        "enrolled_another_face_than_the_labelled": wrong_face,
    }


def _detected(row: np.ndarray) -> DetectedFace:
    _, x, y, w, h, size, sharpness, brightness = row
    box = {"x": int(x), "y": int(y), "w": int(w), "h": int(h)}
    return DetectedFace((), box, 1.0, Quality(int(size), float(sharpness), float(brightness)))


def _labelled(faces: list[DetectedFace]) -> DetectedFace | None:
    """The face nearest the centre of LFW's 250x250 crop: the person named."""

    def off_centre(face: DetectedFace) -> float:
        box = face.box
        return float((box["x"] + box["w"] / 2 - 125) ** 2 + (box["y"] + box["h"] / 2 - 125) ** 2)

    return min(faces, key=off_centre, default=None)


def _old_rule(faces: list[DetectedFace], floor: QualityFloor) -> str:
    if not faces:
        return "no_face_detected"
    if len(faces) > 1:
        return "multiple_faces"
    return "low_quality" if floor.failing(faces[0].quality) else "enrolled"


def _new_rule(faces: list[DetectedFace], floor: QualityFloor) -> tuple[str, DetectedFace | None]:
    try:
        chosen = enrollment_face(faces, floor, LFW_FRAME).face
    except DomainError as refused:
        return refused.code, None
    return ("low_quality" if floor.failing(chosen.quality) else "enrolled"), chosen


def _count(counts: dict[str, int], verdict: str) -> None:
    counts[verdict] = counts.get(verdict, 0) + 1


def markdown(result: dict[str, Any]) -> str:
    """bench/README.md's tables for this part."""
    lines = [
        "| employees | threshold rule | cosine | draws | right | as someone else "
        "| strangers accepted |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in result["galleries"]:
        rule = "own size" if row["rule"] == "own size" else f"floor ({result['floor']})"
        lines.append(
            f"| {row['size']:,} | {rule} | {row['threshold']:.3f} | {row['draws']} | "
            f"{row['right']:.1%} | {row['someone_else']:.2%} | {row['strangers_accepted']:.2%} "
            f"({row['strangers_accepted_count']:,} of {row['stranger_photos']:,}) |"
        )
    enrollment = result["enrollment"]
    lines += [
        "",
        "| first photos of LFW's people | enrolled | multiple_faces | low_quality | no face "
        "| refused |",
        "|---|---|---|---|---|---|",
    ]
    large = enrollment["with_a_face_of_the_floor"]
    for who, people, key in (
        ("everyone", enrollment["people"], ""),
        ("own face >= floor", large, "large_enough_"),
    ):
        for when in ("before", "after"):
            counts = enrollment[key + when]
            refused = 1 - counts.get("enrolled", 0) / people
            lines.append(
                f"| {when}, {who} ({people:,}) | {counts.get('enrolled', 0):,} | "
                f"{counts.get('multiple_faces', 0):,} | {counts.get('low_quality', 0):,} | "
                f"{counts.get('no_face_detected', 0):,} | {refused:.2%} |"
            )
    return "\n".join(lines)
