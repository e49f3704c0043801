"""python -m bench.lfw [--lfw PATH] [--calibrate [--model M] | --markdown | --floor | --frames]"""

import argparse
import sys

from bench.common import RunOptions, load, print_table
from bench.lfw.data import HOW_TO_GET, locate
from bench.lfw.part import MODELS, calibrate, run, summary_rows
from bench.lfw.report import markdown


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lfw", description=__doc__)
    parser.add_argument("--lfw", help="an LFW folder or a git snapshot of the LFW site (LFW_DIR)")
    parser.add_argument("--calibrate", action="store_true", help="write the calibration tables")
    parser.add_argument(
        "--model",
        action="append",
        choices=MODELS,
        help="with --calibrate: only this model's table (repeatable; default: every model)",
    )
    parser.add_argument("--markdown", action="store_true", help="print bench/README.md's tables")
    parser.add_argument("--quick", action="store_true", help="two draws instead of five")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="small galleries with and without the threshold floor, and enrollment of each "
        "person's first photo (bench/lfw/floor.py)",
    )
    parser.add_argument(
        "--frames",
        action="store_true",
        help="LFW photos as 640x480 kiosk frames, faces found at the check-in's detection "
        "size and at enrollment's (bench/lfw/frames.py)",
    )
    args = parser.parse_args()
    if args.markdown:
        result = load("lfw")
        if result is None:
            print("no bench/results/lfw.json yet", file=sys.stderr)
            return 1
        print(markdown(result))
        return 0
    lfw = locate(args.lfw)
    if lfw is None:
        print(HOW_TO_GET, file=sys.stderr)
        return 2
    if args.floor:
        from bench.lfw import floor

        print(floor.markdown(floor.run(lfw)))
        return 0
    if args.frames:
        from bench.lfw import frames

        print(frames.markdown(frames.run(lfw)))
        return 0
    if args.calibrate:
        for path in calibrate(lfw, tuple(args.model or MODELS)):
            print(f"wrote {path}")
        return 0
    result = run(RunOptions(quick=args.quick), lfw)
    print_table(["part", "figure", "value", "target", "met"], summary_rows(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
