"""bench/README.md's LFW tables, printed from bench/results/lfw.json."""

from typing import Any


def markdown(result: dict[str, Any]) -> str:
    models = result["models"]
    lines = [
        "| model | gallery | photos each | threshold | right | as someone else | not recognised "
        "| strangers accepted (expected) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for model, figures in models.items():
        for row in figures["open_set"]:
            size = f"{row['size']:,}" + (" (all)" if row["all_held_out"] else "")
            lines.append(
                f"| {model} | {size} | {row['photos']} | {row['threshold']:.3f} | "
                f"{row['right']:.1%} | {row['someone_else']:.2%} | {row['not_recognised']:.1%} | "
                f"{row['strangers_accepted']:.2%} ({row['expected_strangers']:.2%}) |"
            )
    lines += [
        "",
        "| model | at DeepFace's 1:1 threshold, 1,000 x 1 photo | right | as someone else "
        "| strangers accepted |",
        "|---|---|---|---|---|",
    ]
    for model, figures in models.items():
        old = figures["deepface_1to1_at_1000"]
        lines.append(
            f"| {model} | cosine {old['threshold']:.3f} | {old['right']:.1%} | "
            f"{old['someone_else']:.2%} | {old['strangers_accepted']:.2%} |"
        )
    lines += [
        "",
        "| model | View 2 10-fold | at the 1,000-employee threshold | duplicate guard: refused "
        "outright / asked (of people) | photos without a face | frame p50 (1 worker) |",
        "|---|---|---|---|---|---|",
    ]
    for model, figures in models.items():
        view2, guard = figures["view2"], figures["duplicate_guard"]
        lines.append(
            f"| {model} | {view2['accuracy_mean']:.2%} ± {view2['accuracy_std']:.2%} | "
            f"{view2['accuracy_at_1000_threshold']:.2%} (cosine {view2['threshold_1000']:.3f}) | "
            f"{guard['refused_outright']:.2%} / {guard['asked_to_confirm']:.2%} "
            f"({guard['people']:,}) | {figures['photos_without_face']} of "
            f"{figures['photos']:,} | {figures['frame_ms']['p50_ms']} ms |"
        )
    return "\n".join(lines)
