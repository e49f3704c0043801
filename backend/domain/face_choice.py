"""Which face of an enrollment photo is the person's: the largest, unless another face
could be enrolled as well, when the photo is ambiguous and refused. Another face could be
enrolled when it is at least half as wide as the largest, passes the enrollment quality
floor (size, sharpness, brightness) and lies whole inside the photo."""

from dataclasses import dataclass
from typing import Any

from backend.domain.errors import MultipleFaces, NoFaceDetected
from backend.domain.model import DetectedFace
from backend.domain.policy import QualityFloor

# A face less than half the width of the largest is someone in the background, or the
# small "ghost" copy an ID document prints beside its portrait: not the person HR means.
# On LFW's first photos it took multiple_faces from 753 of 5,749 people to 70, those left
# showing two people of about the same size (bench/README.md, LFW: small offices).
BACKGROUND_WIDTH_SHARE = 0.5
# A face box within this share of its own width of the photo's edge belongs to a head the
# photo cuts off: a bystander at the frame's border, never the one HR photographed. On LFW's
# first photos (250 px crops of press photos) this took multiple_faces among people whose
# own face reaches the size floor from 69 to 27 (bench/README.md); at 2 % it was 32, at
# 10 % 19: the figure is a judgement, not a fit.
EDGE_SHARE = 0.05


@dataclass(frozen=True)
class FaceChoice:
    face: DetectedFace
    ignored: int  # the photo's other faces, each in the background


def box_of(face: DetectedFace) -> dict[str, int]:
    """The face's box in the photo's pixels (x, y from the top left; width, height)."""
    return {name: int(face.box[name]) for name in ("x", "y", "w", "h")}


def enrollment_face(
    faces: list[DetectedFace], floor: QualityFloor, frame: tuple[int, int] | None = None
) -> FaceChoice:
    """The largest face, when no other face could be enrolled (each is less than
    BACKGROUND_WIDTH_SHARE of its width, fails the quality floor, or is cut by the edge of
    the `frame` (width, height), when given); else MultipleFaces. Check-in does not use
    this: it takes the largest face always."""
    if not faces:
        raise NoFaceDetected("no face was found in the photo")
    ordered = sorted(faces, key=lambda f: _width(f) * _height(f), reverse=True)
    largest, others = ordered[0], ordered[1:]
    rivals = [f for f in others if not _background(f, largest, floor, frame)]
    if rivals:
        boxes = [box_of(f) for f in [largest, *rivals]]
        raise MultipleFaces(
            f"the photo shows {len(boxes)} faces large enough to enroll; enroll one person "
            "at a time",
            {"faces": len(faces), "enrollable_faces": len(boxes), "boxes": boxes},
        )
    return FaceChoice(largest, len(others))


def _background(
    face: DetectedFace, largest: DetectedFace, floor: QualityFloor, frame: tuple[int, int] | None
) -> bool:
    if _width(face) < BACKGROUND_WIDTH_SHARE * _width(largest) or floor.failing(face.quality):
        return True
    return frame is not None and _cut_by_edge(face, frame)


def _cut_by_edge(face: DetectedFace, frame: tuple[int, int]) -> bool:
    width, height = frame
    margin = max(1.0, EDGE_SHARE * _width(face))
    x, y = float(_number(face.box.get("x"))), float(_number(face.box.get("y")))
    return (
        x < margin
        or y < margin
        or x + _width(face) > width - margin
        or y + _height(face) > height - margin
    )


def _width(face: DetectedFace) -> float:
    return float(_number(face.box.get("w")))


def _height(face: DetectedFace) -> float:
    return float(_number(face.box.get("h")))


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
