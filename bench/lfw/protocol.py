"""The measurements: LFW View 2 pairs, the office's open-set 1:N, the duplicate guard.

Open-set 1:N (the way an office uses it), on the people LFW View 1's training list does
not name: half of those with two or more photos are employees, enrolled with one photo
(or up to three, keeping at least one back) and filled up with people who have a single
photo until the gallery has its size; the employees' other photos are check-ins; the
other half are strangers at the door, every photo of them. A check-in is right when the
nearest face is the person's own and within the threshold, "as someone else" when the
nearest within the threshold is another employee's; a stranger is accepted when any face
is within it. A photo where no face was found is a person not recognised.
"""

import random
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bench.lfw.calibrate import training_people
from bench.lfw.data import Lfw
from bench.lfw.embed import Vectors


@dataclass(frozen=True)
class Gallery:
    """One drawn office: enrolled vectors with owners, and the probes at the door."""

    faces: NDArray[np.float32]
    owners: NDArray[np.int64]  # employee number per enrolled face
    employees: int
    genuine: NDArray[np.float32]  # check-ins of employees (rows), and whose they are
    genuine_owner: NDArray[np.int64]
    genuine_missing: int  # employees' check-ins where no face was found
    strangers: NDArray[np.float32]


@dataclass(frozen=True)
class Outcome:
    right: float
    someone_else: float
    not_recognised: float
    strangers_accepted: float


def view2_accuracy(lfw: Lfw, vectors: Vectors) -> dict[str, Any]:
    """LFW View 2: 10 folds, the threshold fitted on nine and tested on the tenth."""
    distances, same = _pair_distances(lfw, vectors, "pairs.txt")
    accuracies = []
    for fold in range(10):
        test = np.zeros(len(same), dtype=bool)
        test[fold * 600 : (fold + 1) * 600] = True
        threshold = _best_threshold(distances[~test], same[~test])
        accuracies.append(float(((distances[test] <= threshold) == same[test]).mean()))
    return {
        "accuracy_mean": float(np.mean(accuracies)),
        "accuracy_std": float(np.std(accuracies)),
        "folds": accuracies,
        "pairs_without_face": int(np.isinf(distances).sum()),
    }


def accuracy_at(lfw: Lfw, vectors: Vectors, cosine: float) -> float:
    """View 2's 6,000 pairs decided at one fixed threshold."""
    distances, same = _pair_distances(lfw, vectors, "pairs.txt")
    return float(((distances <= cosine) == same).mean())


def _pair_distances(
    lfw: Lfw, vectors: Vectors, list_name: str
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    index = vectors.index()
    pairs = lfw.pairs(list_name)
    distances = np.array(
        [
            1.0 - float(vectors.matrix[index[p.first]] @ vectors.matrix[index[p.second]])
            if p.first in index and p.second in index
            else np.inf  # no face found: the pair is "not the same"
            for p in pairs
        ]
    )
    return distances, np.array([p.same for p in pairs])


def _best_threshold(distances: NDArray[np.float64], same: NDArray[np.bool_]) -> float:
    order = np.argsort(distances)
    sorted_same = same[order]
    # accepting the first k pairs: right = same among them + different among the rest
    different_after = (~sorted_same).sum() - np.cumsum(~sorted_same)
    right = np.cumsum(sorted_same) + different_after
    best = int(np.argmax(right))
    return float(distances[order][best])


def evaluation_people(lfw: Lfw) -> tuple[list[str], list[str]]:
    """People outside the calibration list: those with 2+ photos, and those with one."""
    held_out = sorted(set(lfw.people) - training_people(lfw))
    multi = [name for name in held_out if len(lfw.people[name]) >= 2]
    single = [name for name in held_out if len(lfw.people[name]) == 1]
    return multi, single


def draw_gallery(lfw: Lfw, vectors: Vectors, size: int | None, photos: int, seed: int) -> Gallery:
    """An office of `size` employees (None: everyone available), `photos` each at most."""
    rng = random.Random(seed)
    index = vectors.index()
    multi, single = evaluation_people(lfw)
    multi = multi[:]
    rng.shuffle(multi)
    employees_with_checkins, stranger_people = multi[: len(multi) // 2], multi[len(multi) // 2 :]
    fillers = single[:]
    rng.shuffle(fillers)
    if size is None:
        chosen = employees_with_checkins + fillers
    elif size <= len(employees_with_checkins):
        chosen = employees_with_checkins[:size]
    else:
        chosen = employees_with_checkins + fillers[: size - len(employees_with_checkins)]
    faces, owners, genuine, genuine_owner = [], [], [], []
    missing = 0
    for number, name in enumerate(chosen):
        images = lfw.people[name][:]
        rng.shuffle(images)
        usable = [image for image in images if image in index]
        keep_back = 1 if len(images) >= 2 else 0
        enrolled = usable[: max(1, min(photos, len(images) - keep_back))]
        for image in enrolled:
            faces.append(index[image])
            owners.append(number)
        for image in images:
            if image in enrolled:
                continue
            if image in index:
                genuine.append(index[image])
                genuine_owner.append(number)
            else:
                missing += 1
    strangers = [
        index[image] for name in stranger_people for image in lfw.people[name] if image in index
    ]
    return Gallery(
        faces=vectors.matrix[faces],
        owners=np.array(owners),
        employees=len(chosen),
        genuine=vectors.matrix[genuine],
        genuine_owner=np.array(genuine_owner),
        genuine_missing=missing,
        strangers=vectors.matrix[strangers],
    )


@dataclass(frozen=True)
class Nearest:
    """Each probe's nearest enrolled face (distance, whether it is the person's own) and
    the nearest face of any other employee, for the ambiguity margin."""

    genuine_distance: NDArray[np.float32]
    genuine_runner_up: NDArray[np.float32]
    genuine_correct: NDArray[np.bool_]
    stranger_distance: NDArray[np.float32]
    stranger_runner_up: NDArray[np.float32]
    genuine_missing: int


def nearest(gallery: Gallery) -> Nearest:
    def search(
        probes: NDArray[np.float32],
    ) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.int64]]:
        if len(probes) == 0:
            empty = np.zeros(0, np.float32)
            return empty, empty, np.zeros(0, np.int64)
        distances = 1.0 - probes @ gallery.faces.T
        best = np.argmin(distances, axis=1)
        owner = gallery.owners[best]
        others = np.where(gallery.owners[None, :] == owner[:, None], np.inf, distances)
        return distances[np.arange(len(probes)), best], others.min(axis=1), owner

    genuine_distance, genuine_runner_up, genuine_who = search(gallery.genuine)
    stranger_distance, stranger_runner_up, _ = search(gallery.strangers)
    return Nearest(
        genuine_distance,
        genuine_runner_up,
        genuine_who == gallery.genuine_owner,
        stranger_distance,
        stranger_runner_up,
        gallery.genuine_missing,
    )


def outcome(found: Nearest, cosine: float, margin: float) -> Outcome:
    """Rates at one threshold and ambiguity margin, as MatchPolicy.decide rules;
    employees' photos without a face count as not recognised."""
    total = len(found.genuine_distance) + found.genuine_missing
    within = (found.genuine_distance <= cosine) & (
        found.genuine_runner_up - found.genuine_distance >= margin
    )
    right = float((within & found.genuine_correct).sum()) / total
    someone_else = float((within & ~found.genuine_correct).sum()) / total
    strangers = (found.stranger_distance <= cosine) & (
        found.stranger_runner_up - found.stranger_distance >= margin
    )
    return Outcome(
        right=right,
        someone_else=someone_else,
        not_recognised=1.0 - right - someone_else,
        strangers_accepted=float(strangers.mean()),
    )


def pooled(draws: list[Nearest]) -> Nearest:
    """Several draws' probes as one, for a smoother curve."""
    return Nearest(
        np.concatenate([d.genuine_distance for d in draws]),
        np.concatenate([d.genuine_runner_up for d in draws]),
        np.concatenate([d.genuine_correct for d in draws]),
        np.concatenate([d.stranger_distance for d in draws]),
        np.concatenate([d.stranger_runner_up for d in draws]),
        sum(d.genuine_missing for d in draws),
    )


def det_curve(
    found: Nearest, around: float, margin: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Stranger-accept rate against not-checked-in-right rate, for thresholds from a tenth
    to three times `around`, with a fixed ambiguity margin."""
    curve = [outcome(found, t, margin) for t in np.geomspace(around / 10, around * 3, 400)]
    return np.array([o.strangers_accepted for o in curve]), np.array([1 - o.right for o in curve])


def duplicate_guard(
    lfw: Lfw, vectors: Vectors, refuse_within: float, ask_within_at: Any, people: int, seed: int
) -> dict[str, Any]:
    """Distinct held-out people enrolled one after another, one photo each: how many the
    guard refuses outright, and how many it asks HR about (possible_duplicate)."""
    rng = random.Random(seed)
    index = vectors.index()
    multi, single = evaluation_people(lfw)
    names = multi + single
    rng.shuffle(names)
    rows = []
    for name in names:
        usable = [image for image in lfw.people[name] if image in index]
        if usable:
            rows.append(index[rng.choice(usable)])
        if len(rows) == people:
            break
    matrix = vectors.matrix[rows]
    distances = 1.0 - matrix @ matrix.T
    enrolled = np.zeros(len(rows), dtype=bool)
    refused = asked = 0
    for i in range(len(rows)):
        nearest_distance = float(distances[i, enrolled].min()) if enrolled.any() else np.inf
        if nearest_distance <= refuse_within:
            refused += 1
            continue
        if nearest_distance <= ask_within_at(int(enrolled.sum())):
            asked += 1  # HR confirms they are different people, and the face is enrolled
        enrolled[i] = True
    return {
        "people": len(rows),
        "refused_outright": refused / len(rows),
        "asked_to_confirm": asked / len(rows),
    }
