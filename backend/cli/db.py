"""`facegate db migrate`: the schema migration alone, once, then exit (the Helm chart's
pre-install/pre-upgrade Job). Safe beside starting backends: all migrate under one
advisory lock."""

import argparse

from backend.bootstrap.commands import migrated_schema
from backend.cli.common import settings_or_fail


def migrate_database(args: argparse.Namespace) -> int:
    print(f"schema at revision {migrated_schema(settings_or_fail())}")
    return 0
