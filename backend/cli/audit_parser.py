"""The parser of `facegate audit ...` (the command imports its module only when it runs)."""

import argparse
from pathlib import Path


def register_audit(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`audit verify`, `audit prune` and `audit export`."""
    parser = commands.add_parser("audit", help="the tamper-evident audit log")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("verify", help="walk the hash chain; exit 1 naming edited or removed rows")
    actions.add_parser("prune", help="drop entries older than AUDIT_RETENTION_DAYS (anchored)")
    export = actions.add_parser("export", help="write the log (or a part of it) as CSV")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--actor", default="", help="actor name contains")
    export.add_argument("--kind", dest="kind", default="", help="action starts with")
    export.add_argument("--subject", default="", help="subject id contains")
