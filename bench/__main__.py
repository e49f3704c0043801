"""`make bench`: run the benchmark parts in order and print one summary table.

.venv/bin/python -m bench [--only NAME] [--quick | --full]
"""

import argparse
import importlib
import sys
import time
import traceback
from typing import Any

from bench.common import RunOptions, machine, print_table, save
from bench.cpu import wait_for_quiet

# Run in this order by default; embedder_latency (in-process stage timings) and
# webhook_latency (check-ins while a webhook receiver hangs) and snapshot_latency (what a
# check-in snapshot adds) and cluster (replicas behind HAProxy) and profile (py-spy's flame
# graphs and the CPU per check-in by stage) and gallery_faces (search at a million on
# face-like vectors) and quantized_sface (SFace in int8 against float, on LFW) run with
# --only.
PARTS = ["checkin_latency", "throughput", "gallery_scale", "accuracy", "lfw"]
EXTRA_PARTS = [
    "embedder_latency",
    "webhook_latency",
    "snapshot_latency",
    "cluster",
    "scoped_search",
    "profile",
    "gallery_faces",
    "quantized_sface",
]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only",
        choices=PARTS + EXTRA_PARTS,
        action="append",
        help="run only this part (repeatable)",
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="a short smoke run")
    size.add_argument("--full", action="store_true", help="gallery_scale up to 1M vectors")
    return parser.parse_args(argv)


def run_part(name: str, options: RunOptions) -> tuple[list[list[Any]], float, str | None]:
    """Run one part; its summary rows, seconds taken and the error if it failed."""
    module = importlib.import_module(f"bench.{name}")
    started = time.monotonic()
    try:
        result = module.run(options)
        rows = module.summary_rows(result)
        return rows, time.monotonic() - started, None
    except getattr(module, "LfwMissing", ()) as missing:  # LFW is fetched, never shipped
        print(f"  skipped: {missing}", flush=True)
        return module.skipped_rows(str(missing)), time.monotonic() - started, None
    except Exception as error:  # one broken part must not hide the others' figures
        traceback.print_exc()
        return [], time.monotonic() - started, f"{type(error).__name__}: {error}"


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    options = RunOptions(quick=args.quick, full=args.full)
    names = args.only or PARTS
    where = machine()
    print(
        f"facegate bench on {where['cpus']} x {where['cpu']}, {where['ram_gb']} GB RAM"
        f"{' (quick)' if options.quick else ''}{' (full)' if options.full else ''}"
    )
    rows: list[list[Any]] = []
    failures = {}
    for name in names:
        print(f"\n== {name} ==", flush=True)
        print(f"  other load before the part: {wait_for_quiet()} cores", flush=True)
        part_rows, seconds, error = run_part(name, options)
        rows += part_rows
        if error:
            failures[name] = error
            rows.append([name, "FAILED", error[:60], "", ""])
        print(f"({name}: {seconds:.0f} s)", flush=True)
    print("\n== summary ==")
    print_table(["part", "figure", "value", "target", "met"], rows)
    if not args.only:  # the summary of a complete run, for bench/README.md
        save("summary", {"options": vars(args), "rows": rows, "failures": failures})
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
