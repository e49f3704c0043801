"""Which face of an enrollment photo is the person's: the largest, unless another face
could be enrolled as well, when the photo is ambiguous and refused."""

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


@dataclass(frozen=True)
class FaceChoice:
    face: DetectedFace
    ignored: int  # the photo's other faces, each in the background


def box_of(face: DetectedFace) -> dict[str, int]:
    """The face's box in the photo's pixels (x, y from the top left; width, height)."""
    return {name: int(face.box[name]) for name in ("x", "y", "w", "h")}


def enrollment_face(faces: list[DetectedFace], floor: QualityFloor) -> FaceChoice:
    """The largest face, when every other face is below the size floor or less than
    BACKGROUND_WIDTH_SHARE of its width; else MultipleFaces (two faces could each be
    enrolled). Check-in does not use this: it takes the largest face always."""
    if not faces:
        raise NoFaceDetected("no face was found in the photo")
    ordered = sorted(faces, key=lambda f: _width(f) * _height(f), reverse=True)
    largest, others = ordered[0], ordered[1:]
    rivals = [f for f in others if not _background(f, largest, floor)]
    if rivals:
        boxes = [box_of(f) for f in [largest, *rivals]]
        raise MultipleFaces(
            f"the photo shows {len(boxes)} faces large enough to enroll; enroll one person "
            "at a time",
            {"faces": len(faces), "enrollable_faces": len(boxes), "boxes": boxes},
        )
    return FaceChoice(largest, len(others))


def _background(face: DetectedFace, largest: DetectedFace, floor: QualityFloor) -> bool:
    too_small = face.quality.face_size < floor.min_face_size
    return too_small or _width(face) < BACKGROUND_WIDTH_SHARE * _width(largest)


def _width(face: DetectedFace) -> float:
    return float(_number(face.box.get("w")))


def _height(face: DetectedFace) -> float:
    return float(_number(face.box.get("h")))


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
