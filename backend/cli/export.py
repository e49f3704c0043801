"""`facegate checkins export`: the attendance CSV, as the API's format=csv gives it."""

import argparse
import os
from pathlib import Path

from backend.bootstrap.commands import attendance
from backend.cli.common import settings_or_fail
from backend.domain.model import CheckinFilter


def export_checkins(args: argparse.Namespace) -> int:
    with attendance(settings_or_fail()) as office:
        where = CheckinFilter(
            office.moment(args.start, "from"),
            office.moment(args.end, "to", end_of_day=True),
            args.employee,
        )
        out: Path = args.out
        partial = out.with_name(out.name + ".partial")
        rows = -1  # the header is not a check-in
        with open(partial, "w", encoding="utf-8", newline="") as file:
            for line in office.csv_lines(where):
                file.write(line)
                rows += 1
        os.replace(partial, out)  # never leave a half-written export under the real name
        print(f"wrote {rows} check-ins to {out}")
        return 0
