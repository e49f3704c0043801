"""`facegate db migrate`: the schema migration alone, once, then exit (the Helm chart's
pre-install/pre-upgrade Job). Safe beside starting backends: all migrate under one
advisory lock."""

import argparse

from backend.cli.common import settings_or_fail
from backend.infrastructure.database import make_engine, migrate


def migrate_database(args: argparse.Namespace) -> int:
    settings = settings_or_fail()
    engine = make_engine(settings.database_url, pool_size=1, pooler=settings.database_pooler)
    try:
        revision = migrate(engine)
    finally:
        engine.dispose()
    print(f"schema at revision {revision}")
    return 0
