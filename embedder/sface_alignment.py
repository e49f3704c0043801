"""SFace's alignment: YuNet's five landmarks onto the ArcFace template, 112x112.

The same arithmetic as OpenCV's FaceRecognizerSF.alignCrop (modules/objdetect/src/
face_recognize.cpp: an Umeyama similarity, floats where OpenCV has floats, then
warpAffine), so facegate need not keep an OpenCV FaceRecognizerSF, which loads the whole
network (~100 MB a process) to offer it. tests/integration/test_sface_network.py compares
the two on real photos.
"""

import cv2
import numpy as np
from numpy.typing import NDArray

SIZE = (112, 112)
# The ArcFace template's five points and their mean, as OpenCV writes them (float).
TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
)
TEMPLATE_MEAN = np.array([56.0262, 71.9008], dtype=np.float32)
TEMPLATE_DEMEANED = (TEMPLATE - TEMPLATE_MEAN).astype(np.float32)


def similarity_transform(landmarks: NDArray[np.float32]) -> NDArray[np.float64]:
    """The 2x3 matrix taking the five landmarks (x, y rows) onto the template."""
    src = landmarks.astype(np.float32)
    # float sums left to right, then / 5, as OpenCV's float arithmetic does
    mean = np.zeros(2, dtype=np.float32)
    for point in src:
        mean = (mean + point).astype(np.float32)
    mean = (mean / np.float32(5)).astype(np.float32)
    src_demean = (src - mean).astype(np.float32)
    dst_demean = TEMPLATE_DEMEANED

    def mean_of_products(a: NDArray[np.float32], b: NDArray[np.float32]) -> float:
        total = 0.0
        for x, y in zip(a, b, strict=True):
            total += float(np.float32(x * y))  # a float product added to a double
        return total / 5

    a = np.array(
        [
            [
                mean_of_products(dst_demean[:, 0], src_demean[:, 0]),
                mean_of_products(dst_demean[:, 0], src_demean[:, 1]),
            ],
            [
                mean_of_products(dst_demean[:, 1], src_demean[:, 0]),
                mean_of_products(dst_demean[:, 1], src_demean[:, 1]),
            ],
        ]
    )
    d = np.array([1.0, -1.0 if np.linalg.det(a) < 0 else 1.0])
    u, s, vt = np.linalg.svd(a)
    rank = int(np.sum(s > s.max() * 2 * np.finfo(np.float32).tiny))
    if rank == 1 and np.linalg.det(u) * np.linalg.det(vt) <= 0:
        rotation = u @ np.diag([d[0], -1.0]) @ vt
    elif rank == 1:
        rotation = u @ vt
    else:
        rotation = u @ np.diag(d) @ vt
    variance = mean_of_products(src_demean[:, 0], src_demean[:, 0]) + mean_of_products(
        src_demean[:, 1], src_demean[:, 1]
    )
    scale = 1.0 / variance * float(s @ d)
    shift = TEMPLATE_MEAN.astype(np.float64) - scale * (rotation @ mean.astype(np.float64))
    return np.hstack([rotation * scale, shift[:, np.newaxis]])


def align_crop(bgr: NDArray[np.uint8], row: NDArray[np.float32]) -> NDArray[np.uint8]:
    """The 112x112 aligned face of a YuNet row (its landmarks at 4..13)."""
    landmarks = np.asarray(row[4:14], dtype=np.float32).reshape(5, 2)
    matrix = similarity_transform(landmarks)
    return np.asarray(cv2.warpAffine(bgr, matrix, SIZE, flags=cv2.INTER_LINEAR), dtype=np.uint8)
