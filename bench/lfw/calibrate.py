"""The calibration table, measured on LFW View 1's training people (pairsDevTrain.txt)
with every pair of their photos, and written to backend/calibration/<model>.json by
`python -m bench.lfw --calibrate`. The evaluation in bench/lfw never uses these people,
so its figures are not measured on the data the thresholds were fitted on.

At each distance on a grid the table gives:
- far: the share of different-person pairs at or below it (FAR per comparison);
- gar: the share of same-person pairs at or below it, each person weighing the same
  (LFW's most photographed people would otherwise stand for everyone);
- fpir: for galleries of N distinct people, one photo each, the share of strangers who
  come within it of anyone. 1 - (1 - FAR)^N assumes every stranger is as likely as any
  other to resemble an employee; in fact a few strangers resemble many people and most
  resemble nobody, so FPIR is measured per stranger photo instead:
  mean over strangers s of 1 - (1 - far_s)^N, far_s being the share of other people
  (not photos) within the distance of s. 1 - (1 - FAR)^N over-states FPIR several times
  at office sizes, which would cost a good share of employees at the door.
"""

import json
from typing import Any

import numpy as np

from backend.calibration import table_path
from bench.lfw.data import Lfw
from bench.lfw.embed import Vectors

CALIBRATION_LIST = "pairsDevTrain.txt"
GALLERY_SIZES = (1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000, 100000)
# The grid: distances where FAR per comparison is 10^(k/10), from what the pairs can
# resolve up to 0.3 (ten points a decade), so every model gets a grid on its own scale.
FAR_GRID = [10 ** (k / 10) for k in range(-80, -5)]


def training_people(lfw: Lfw) -> set[str]:
    return lfw.people_in(CALIBRATION_LIST)


def calibration_table(lfw: Lfw, vectors: Vectors) -> dict[str, Any]:
    """Every pair of the training people's photos, summed up per distance."""
    people = sorted(training_people(lfw))
    index = vectors.index()
    rows, owners = [], []
    for number, name in enumerate(people):
        for image in lfw.people[name]:
            if image in index:
                rows.append(index[image])
                owners.append(number)
    owner = np.array(owners)
    photos_of = np.bincount(owner)
    matrix = vectors.matrix[rows]
    distances = 1.0 - matrix @ matrix.T
    same = owner[:, None] == owner[None, :]
    upper = np.triu(np.ones_like(same), k=1)
    impostor = np.sort(distances[upper & ~same])
    genuine_i, genuine_j = np.nonzero(upper & same)
    genuine = distances[genuine_i, genuine_j]
    # each person's pairs weigh 1 / (that person's pairs): every person counts once
    pairs_of = np.bincount(owner[genuine_i], minlength=len(photos_of))
    genuine_weight = 1.0 / pairs_of[owner[genuine_i]]
    people_with_pairs = int((pairs_of > 0).sum())
    grid = sorted(
        {
            round(float(impostor[int(far * len(impostor)) - 1]), 5)
            for far in FAR_GRID
            if far * len(impostor) >= 1
        }
    )
    # strangers: each photo against everyone else, by person (1 / that person's photos)
    near = np.where(same, np.inf, distances) <= grid[-1]
    probe, other = np.nonzero(near)
    near_distance = distances[probe, other]
    near_weight = 1.0 / photos_of[owner[other]]
    others = len(photos_of) - 1
    points = []
    for distance in grid:
        within = near_distance <= distance
        far_per_stranger = (
            np.bincount(probe[within], weights=near_weight[within], minlength=len(rows)) / others
        )
        points.append(
            {
                "cosine": distance,
                "far": float(np.searchsorted(impostor, distance, side="right") / len(impostor)),
                "gar": float(genuine_weight[genuine <= distance].sum() / people_with_pairs),
                "fpir": {
                    str(n): float((1.0 - (1.0 - far_per_stranger) ** n).mean())
                    for n in GALLERY_SIZES
                },
            }
        )
    return {
        "model": vectors.model,
        "source": (
            f"LFW View 1 training people ({CALIBRATION_LIST}): {len(people)} people, "
            f"{len(rows)} photos, every pair"
        ),
        "impostor_pairs": int(len(impostor)),
        "genuine_pairs": int(len(genuine)),
        "points": points,
    }


def write_table(table: dict[str, Any]) -> str:
    path = table_path(table["model"])
    path.write_text(json.dumps(table, indent=1) + "\n")
    return str(path)
