"""`facegate audit verify|prune|export` and `facegate keys rotate-storage`."""

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from backend.bootstrap.commands import audit, storage_rotation
from backend.cli.common import CommandFailed, settings_or_fail
from backend.domain.audit import COMMAND_LINE, AuditFilter


def run_audit(args: argparse.Namespace) -> int:
    with audit(settings_or_fail()) as log:
        if args.action == "verify":
            verdict = log.verify()
            for problem in verdict.problems:
                print(f"facegate: audit log: {problem}", file=sys.stderr)
            if not verdict.intact:
                return 1
            print(f"audit log intact: {verdict.entries} entries verified")
        elif args.action == "prune":
            print(f"pruned {log.prune(datetime.now(UTC))} entries")
        else:
            out: Path = args.out
            partial = out.with_name(out.name + ".partial")
            where = AuditFilter(args.actor, args.kind, args.subject)
            with open(partial, "w", encoding="utf-8", newline="") as file:
                file.writelines(log.csv_lines(COMMAND_LINE, where))
            os.replace(partial, out)  # never a half-written export under the real name
            print(f"wrote {out}")
        return 0


def rotate_storage(args: argparse.Namespace) -> int:
    """Re-seal every stored object with the current storage key (resumable)."""
    with storage_rotation(settings_or_fail()) as rotation:
        if args.background:
            key_id = rotation.start(COMMAND_LINE)
            print(f"started: the backends re-seal every object with key {key_id}")
            return 0

        def progress(last: str, rewritten: int) -> None:
            print(f"... {rewritten} rewritten, up to {last}", file=sys.stderr)

        try:
            report = rotation.run(COMMAND_LINE, progress)
        except KeyboardInterrupt:
            raise CommandFailed("stopped; run it again to go on where it stopped") from None
        print(f"every object is sealed with key {report.key_id} ({report.rewritten} rewritten)")
        return 0
