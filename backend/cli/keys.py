"""`facegate keys ...`: API keys straight in the database."""

import argparse
import sys

from backend.cli.common import settings_or_fail
from backend.domain.errors import DomainError
from backend.domain.keys import ApiKeys
from backend.domain.model import Role
from backend.infrastructure.database import make_engine, migrate
from backend.infrastructure.pg_keys import PgApiKeyStore


def run_keys_command(args: argparse.Namespace) -> int:
    settings = settings_or_fail()
    engine = make_engine(settings.database_url, pool_size=1, pooler=settings.database_pooler)
    try:
        migrate(engine)
        keys = ApiKeys(store=PgApiKeyStore(engine))
        if args.action == "create":
            _, plaintext = keys.create(args.name, Role(args.role))
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
            if not keys.revoke(args.name):
                print(f"facegate: no active key named {args.name}", file=sys.stderr)
                return 1
            print(f"revoked {args.name}", file=sys.stderr)
        return 0
    except DomainError as error:
        print(f"facegate: {error.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
