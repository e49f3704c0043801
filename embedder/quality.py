"""Quality figures of a face crop, so the backend can refuse poor enrollment photos."""

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

# Sharpness is measured at one fixed size so that it compares across photos.
SHARPNESS_SIDE = 112


@dataclass(frozen=True)
class FaceQuality:
    face_size: int  # shorter side of the face box, in original image pixels
    sharpness: float  # variance of the Laplacian of the face at SHARPNESS_SIDE px
    brightness: float  # mean grey level of the face, 0-255


def measure(face_bgr: NDArray[np.uint8], face_size: int) -> FaceQuality:
    """Quality of an aligned face crop whose box was face_size pixels in the original."""
    grey = cv2.cvtColor(face_bgr, cv2.COLOR_BGR2GRAY)
    fixed = cv2.resize(grey, (SHARPNESS_SIDE, SHARPNESS_SIDE), interpolation=cv2.INTER_AREA)
    sharpness = float(cv2.Laplacian(fixed, cv2.CV_64F).var())
    return FaceQuality(
        face_size=face_size,
        sharpness=round(sharpness, 1),
        brightness=round(float(grey.mean()), 1),
    )
