"""The `lfw` bench part: both models on LFW, the office's way (bench/lfw/protocol.py).

.venv/bin/python -m bench --only lfw          (LFW_DIR names the data; skipped without it)
.venv/bin/python -m bench.lfw --calibrate     (writes backend/calibration/<model>.json)
.venv/bin/python -m bench.lfw --markdown      (the tables of bench/README.md, from results)
"""

import statistics
from typing import Any

import numpy as np

from backend.calibration import from_json, load_calibration
from backend.domain.model import Metric
from backend.domain.thresholds import DEFAULT_THRESHOLDS, ThresholdSettings, thresholds_for
from bench.common import RESULTS, RunOptions, kiosk_frame, save, summary, time_ms
from bench.lfw import protocol
from bench.lfw.data import HOW_TO_GET, Lfw, locate
from bench.lfw.embed import DETECTORS, Vectors, embed

MODELS = ("SFace", "SFace-int8", "Dlib")
SIZES: tuple[int | None, ...] = (100, 1000, None)  # None: every held-out person
PHOTOS = (1, 3)
DUPLICATE_GUARD_PEOPLE = 2800
TARGET = DEFAULT_THRESHOLDS.stranger_accept_target
MARGIN = DEFAULT_THRESHOLDS.ambiguity_margin
DET_PLOT = RESULTS / "lfw_det.png"


class LfwMissing(Exception):
    pass


def run(options: RunOptions, lfw: Lfw | None = None) -> dict[str, Any]:
    lfw = lfw or locate()
    if lfw is None:
        raise LfwMissing(HOW_TO_GET)
    # ten draws: "as someone else" is a handful of photos per draw, and noisy
    seeds = 2 if options.quick else 10
    models = {}
    curves = {}
    for model in MODELS:
        vectors = embed(lfw, model)
        models[model], curves[model] = evaluate(lfw, vectors, seeds)
        print(f"  {model}: done", flush=True)
    plot_det(curves)
    result = {"seeds": seeds, "stranger_accept_target": TARGET, "models": models}
    save("lfw", result)
    return result


def evaluate(lfw: Lfw, vectors: Vectors, seeds: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every figure of one model; the DET curve at 1,000 employees, one photo each."""
    calibration = load_calibration(vectors.model)
    if calibration is None:
        raise SystemExit(f"no calibration for {vectors.model}: run python -m bench.lfw --calibrate")

    def threshold(employees: int) -> Any:
        return thresholds_for(employees, Metric.COSINE, calibration, None, ThresholdSettings())

    view2 = protocol.view2_accuracy(lfw, vectors)
    view2["accuracy_at_1000_threshold"] = protocol.accuracy_at(lfw, vectors, threshold(1000).match)
    view2["threshold_1000"] = threshold(1000).match
    open_set = []
    curve: dict[str, Any] = {}
    det_draws = []
    for photos in PHOTOS:
        for size in SIZES:
            runs = []
            for seed in range(seeds):
                gallery = protocol.draw_gallery(lfw, vectors, size, photos, seed)
                found = protocol.nearest(gallery)
                used = threshold(len(gallery.faces))
                outcome = protocol.outcome(found, used.match, MARGIN * used.match)
                runs.append((gallery, used, outcome))
                if photos == 1 and size == 1000:
                    det_draws.append(found)
            open_set.append(_row(size, photos, runs))
            if photos == 1 and size == 1000:
                at = open_set[-1]
                strangers, missed = protocol.det_curve(
                    protocol.pooled(det_draws), at["threshold"], MARGIN * at["threshold"]
                )
                curve = {"strangers": strangers, "missed": missed, "at": at}
    one_to_one = deepface_threshold(vectors.model)
    at_one_to_one = [
        protocol.outcome(
            protocol.nearest(protocol.draw_gallery(lfw, vectors, 1000, 1, seed)), one_to_one, 0.0
        )
        for seed in range(seeds)
    ]
    guard = protocol.duplicate_guard(
        lfw,
        vectors,
        threshold(1).duplicate_refuse,
        lambda employees: threshold(employees).match,
        DUPLICATE_GUARD_PEOPLE,
        seed=0,
    )
    guard["refuse_within"] = threshold(1).duplicate_refuse
    return {
        "detector": DETECTORS[vectors.model],
        "photos": len(vectors.ids) + len(vectors.missing),
        "photos_without_face": len(vectors.missing),
        "embed_ms_per_photo_per_core": round(vectors.seconds_per_photo * 1000, 1),
        "frame_ms": frame_speed(vectors.model),
        "calibration": calibration.source,
        "view2": view2,
        "open_set": open_set,
        "deepface_1to1_at_1000": {
            "threshold": one_to_one,
            "right": round(statistics.fmean(o.right for o in at_one_to_one), 5),
            "someone_else": round(statistics.fmean(o.someone_else for o in at_one_to_one), 5),
            "strangers_accepted": round(
                statistics.fmean(o.strangers_accepted for o in at_one_to_one), 5
            ),
        },
        "duplicate_guard": guard,
    }, curve


def deepface_threshold(model: str) -> float:
    """DeepFace's own 1:1 cosine threshold for the model (what facegate used before)."""
    from deepface.modules.verification import find_threshold

    from embedder.sface_int8 import deepface_model

    return float(find_threshold(deepface_model(model), "cosine"))


def _row(size: int | None, photos: int, runs: list[Any]) -> dict[str, Any]:
    def mean(values: list[float]) -> float:
        return round(statistics.fmean(values), 5)

    galleries = [g for g, _, _ in runs]
    outcomes = [o for _, _, o in runs]
    return {
        "size": galleries[0].employees if size is None else size,
        "all_held_out": size is None,
        "photos": photos,
        "faces": round(statistics.fmean(len(g.faces) for g in galleries)),
        "checkins": len(galleries[0].genuine) + galleries[0].genuine_missing,
        "stranger_photos": len(galleries[0].strangers),
        "threshold": mean([t.match for _, t, _ in runs]),
        "right": mean([o.right for o in outcomes]),
        "someone_else": mean([o.someone_else for o in outcomes]),
        "not_recognised": mean([o.not_recognised for o in outcomes]),
        "strangers_accepted": mean([o.strangers_accepted for o in outcomes]),
        "expected_strangers": mean([t.expected_stranger_accept for _, t, _ in runs]),
    }


def frame_speed(model: str) -> dict[str, float]:
    """Detect, align and embed one 640x480 kiosk frame in process, one worker."""
    from embedder.analyzer import FaceAnalyzer
    from embedder.config import EmbedderSettings
    from embedder.imaging import decode_image
    from embedder.weights import engine_for, no_downloads, point_deepface_at

    settings = EmbedderSettings()
    point_deepface_at(settings.deepface_home, engine_for(model, settings.engine))
    with no_downloads(model):
        analyzer = FaceAnalyzer(
            model, DETECTORS[model], True, settings.detect_max_side, settings.detect_score_threshold
        )
    frame = kiosk_frame("obama2.jpg")

    def one() -> None:
        image = decode_image(frame, max_pixels=settings.max_pixels, work_max_side=1600)
        analyzer.analyze(image)

    return summary(time_ms(one, repeat=30))


def plot_det(curves: dict[str, Any]) -> None:
    """Stranger-accept rate against not-recognised rate, log axes, one line per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    for model, curve in curves.items():
        strangers = np.clip(curve["strangers"], 1e-4, 1)
        missed = np.clip(curve["missed"], 1e-3, 1)
        (line,) = axes.plot(strangers, missed, label=model)
        at = curve["at"]
        axes.plot(
            [max(at["strangers_accepted"], 1e-4)],
            [1 - at["right"]],
            "o",
            color=line.get_color(),
            label=f"{model} at its calibrated threshold",
        )
    axes.axvline(TARGET, color="grey", linestyle=":", label=f"target {TARGET:.1%} strangers")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("strangers accepted (FPIR)")
    axes.set_ylabel("employees not checked in right (FNIR)")
    axes.set_title("LFW, 1,000 employees, one photo each (held-out people, all draws)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    RESULTS.mkdir(parents=True, exist_ok=True)
    figure.savefig(DET_PLOT)
    plt.close(figure)


def summary_rows(result: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for model, figures in result["models"].items():
        at_1000 = next(r for r in figures["open_set"] if r["size"] == 1000 and r["photos"] == 1)
        three = next(r for r in figures["open_set"] if r["size"] == 1000 and r["photos"] == 3)
        guard = figures["duplicate_guard"]
        view2 = figures["view2"]["accuracy_mean"]
        rows += [
            [
                "lfw",
                f"{model} 1,000 x 1 photo: right / someone else / strangers",
                f"{at_1000['right']:.1%} / {at_1000['someone_else']:.2%} / "
                f"{at_1000['strangers_accepted']:.2%}",
                ">= 92% / <= 0.1% / <= 0.5%",
                _met(
                    at_1000["right"] >= 0.92
                    and at_1000["someone_else"] <= 0.001
                    and at_1000["strangers_accepted"] <= 0.005
                ),
            ],
            [
                "lfw",
                f"{model} 1,000 x 3 photos: right",
                f"{three['right']:.1%}",
                ">= 96%",
                _met(three["right"] >= 0.96),
            ],
            [
                "lfw",
                f"{model} duplicate guard: refused outright of {guard['people']}",
                f"{guard['refused_outright']:.2%}",
                "<= 0.5%",
                _met(guard["refused_outright"] <= 0.005),
            ],
            ["lfw", f"{model} View 2 10-fold", f"{view2:.2%}", ">= 99.4%", _met(view2 >= 0.994)],
        ]
    return rows


def skipped_rows(reason: str) -> list[list[Any]]:
    return [["lfw", "skipped", reason[:60], "", ""]]


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def calibrate(lfw: Lfw, models: tuple[str, ...] = MODELS) -> list[str]:
    """Write the models' calibration tables from LFW View 1's training people."""
    from bench.lfw.calibrate import calibration_table, write_table

    written = []
    for model in models:
        table = calibration_table(lfw, embed(lfw, model))
        from_json(table)  # the backend must be able to read what is written
        written.append(write_table(table))
    return written
