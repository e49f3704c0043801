"""`facegate keys ...`: API keys straight in the database."""

import argparse
import sys

from backend.bootstrap.commands import api_keys
from backend.cli.common import settings_or_fail
from backend.domain.audit import COMMAND_LINE
from backend.domain.model import Role
from backend.domain.site_model import Direction


def run_keys_command(args: argparse.Namespace) -> int:
    with api_keys(settings_or_fail()) as keys:
        if args.action == "create":
            role, direction = Role(args.role), Direction(args.direction)
            _, plaintext = keys.create(args.name, role, args.site, direction, actor=COMMAND_LINE)
            print(plaintext)  # alone on stdout, so scripts can capture it
        elif args.action == "list":
            for key in keys.list():
                state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
                used = (
                    f"last used {key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "unused"
                )
                print(
                    f"{key.name}\t{key.role.value}\t{key.created_at:%Y-%m-%d %H:%M}\t{state}"
                    f"\t{used}\tsite {key.site.site_id} ({key.site.name})\t{key.direction.value}"
                )
        elif args.action == "revoke":
            if not keys.revoke(args.name, actor=COMMAND_LINE):
                print(f"facegate: no active key named {args.name}", file=sys.stderr)
                return 1
            print(f"revoked {args.name}", file=sys.stderr)
        return 0
