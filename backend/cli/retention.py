"""`facegate retention [--dry-run]`: enforce the retention schedule once, or list who it
would reach and why."""

import argparse

from backend.bootstrap.commands import retention
from backend.cli.common import settings_or_fail
from backend.domain.audit import COMMAND_LINE


def enforce_retention(args: argparse.Namespace) -> int:
    with retention(settings_or_fail()) as job:
        report = job.run(dry_run=args.dry_run, actor=COMMAND_LINE)
    if report is None:
        print("another replica is enforcing the schedule right now; nothing done")
        return 0
    verb = "would destroy" if report.dry_run else "destroyed"
    for person in report.due:
        why = (
            f"left on {person.since:%Y-%m-%d}"
            if person.reason == "left"
            else f"inactive since {person.since:%Y-%m-%d}"
        )
        print(f"{verb} biometric data of {person.employee_id} ({person.name}): {why}")
    rows = report.attendance_due if report.dry_run else report.attendance_deleted
    print(
        f"{'would delete' if report.dry_run else 'deleted'} {rows} check-in records older "
        f"than {job.schedule.attendance_days} days"
        if job.schedule.attendance_days
        else "check-in records are kept until erasure (RETENTION_ATTENDANCE_DAYS=0)"
    )
    if not report.dry_run:
        print(f"{len(report.destroyed)} people's biometric data destroyed")
    return 0
