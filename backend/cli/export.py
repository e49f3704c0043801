"""`facegate checkins export`: the attendance CSV, as the API's format=csv gives it."""

import argparse
import os
from pathlib import Path

from backend.cli.common import settings_or_fail
from backend.domain.attendance import Attendance
from backend.domain.model import CheckinFilter
from backend.infrastructure.database import make_engine, migrate
from backend.infrastructure.pg_checkins import PgCheckinLog


def export_checkins(args: argparse.Namespace) -> int:
    settings = settings_or_fail()
    engine = make_engine(settings.database_url, pool_size=1, pooler=settings.database_pooler)
    try:
        migrate(engine)
        attendance = Attendance(checkins=PgCheckinLog(engine), timezone=settings.timezone)
        where = CheckinFilter(
            attendance.moment(args.start, "from"),
            attendance.moment(args.end, "to", end_of_day=True),
            args.employee,
        )
        out: Path = args.out
        partial = out.with_name(out.name + ".partial")
        rows = -1  # the header is not a check-in
        with open(partial, "w", encoding="utf-8", newline="") as file:
            for line in attendance.csv_lines(where):
                file.write(line)
                rows += 1
        os.replace(partial, out)  # never leave a half-written export under the real name
        print(f"wrote {rows} check-ins to {out}")
        return 0
    finally:
        engine.dispose()
