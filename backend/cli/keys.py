"""`facegate keys ...`: API keys straight in the database."""

import argparse
import sys

from backend.bootstrap.commands import api_keys
from backend.cli.common import settings_or_fail
from backend.domain.audit import COMMAND_LINE
from backend.domain.model import Role


def run_keys_command(args: argparse.Namespace) -> int:
    with api_keys(settings_or_fail()) as keys:
        if args.action == "create":
            _, plaintext = keys.create(args.name, Role(args.role), actor=COMMAND_LINE)
            print(plaintext)  # alone on stdout, so scripts can capture it
        elif args.action == "list":
            for key in keys.list():
                state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
                used = (
                    f"last used {key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "unused"
                )
                print(
                    f"{key.name}\t{key.role.value}\t{key.created_at:%Y-%m-%d %H:%M}\t{state}"
                    f"\t{used}"
                )
        elif args.action == "revoke":
            if not keys.revoke(args.name, actor=COMMAND_LINE):
                print(f"facegate: no active key named {args.name}", file=sys.stderr)
                return 1
            print(f"revoked {args.name}", file=sys.stderr)
        return 0
