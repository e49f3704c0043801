"""The backend's `facegate` commands: keys, exports, the schema, bulk enrollment,
re-embedding and the API contract. `register` adds them to the `facegate` parser; each
command imports its module (and so SQLAlchemy and the rest) only when it runs."""

import argparse
from pathlib import Path

from backend.cli.audit_parser import register_audit
from backend.cli.gallery import register_gallery


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the backend's commands to `facegate`."""
    keys = commands.add_parser("keys", help="API keys")
    keys_sub = keys.add_subparsers(dest="action", required=True)
    create = keys_sub.add_parser("create", help="create a key and print it once")
    create.add_argument("--role", choices=["admin", "kiosk", "scim", "enroll"], required=True)
    create.add_argument("--name", required=True)
    create.add_argument(
        "--site", type=int, default=1, help="a kiosk's site id (default 1, the default site)"
    )
    create.add_argument(
        "--direction",
        choices=["in", "out", "both"],
        default="both",
        help="a kiosk's direction: in, out, or both (a single door)",
    )
    keys_sub.add_parser("list", help="list keys (never the secrets)")
    revoke = keys_sub.add_parser("revoke", help="revoke a key by name")
    revoke.add_argument("name")
    rotate = keys_sub.add_parser(
        "rotate-storage", help="re-seal every stored photo with STORAGE_KEY_ID (resumable)"
    )
    rotate.add_argument(
        "--background", action="store_true", help="only start it: the running backends do it"
    )
    new_key = keys_sub.add_parser("new-storage-key", help="print a new 'id:base64' storage key")
    new_key.add_argument("key_id")
    keys.set_defaults(handler=_keys)

    register_audit(commands)
    commands.choices["audit"].set_defaults(handler=_audit)

    checkins = commands.add_parser("checkins", help="attendance records")
    checkins_sub = checkins.add_subparsers(dest="action", required=True)
    export = checkins_sub.add_parser("export", help="write check-ins to a CSV file")
    export.add_argument("--from", dest="start", help="ISO 8601 date or time (office time zone)")
    export.add_argument("--to", dest="end", help="ISO 8601; a bare date is included")
    export.add_argument("--employee", help="only this employee id")
    export.add_argument("--out", type=Path, required=True)
    export.set_defaults(handler=_export)

    db = commands.add_parser("db", help="the database schema")
    db_sub = db.add_subparsers(dest="action", required=True)
    db_sub.add_parser("migrate", help="run the schema migrations once, then exit")
    db.set_defaults(handler=_migrate)

    enroll = commands.add_parser("enroll-dir", help="enroll DIR/<employee_id>/*.jpg")
    enroll.add_argument("folder", type=Path)
    enroll.set_defaults(handler=_enroll_dir)

    reembed = commands.add_parser("reembed", help="re-embed every stored photo with a model")
    reembed.add_argument("--model", required=True, help="the model the embedder runs")
    reembed.add_argument("--embedder-url", help="an embedder running it (default EMBEDDER_URL)")
    reembed.set_defaults(handler=_reembed)

    retention = commands.add_parser(
        "retention", help="enforce the retention schedule once (the backends do it hourly)"
    )
    retention.add_argument(
        "--dry-run", action="store_true", help="only list who would be destroyed and why"
    )
    retention.set_defaults(handler=_retention)

    register_gallery(commands)
    commands.choices["gallery"].set_defaults(handler=_gallery)

    openapi = commands.add_parser(
        "openapi", help="print the API contract (make openapi writes it to openapi.json)"
    )
    openapi.set_defaults(handler=_openapi)


def _keys(args: argparse.Namespace) -> int:
    from backend.cli.common import run

    if args.action == "rotate-storage":
        from backend.cli.audit import rotate_storage

        return run(rotate_storage, args)
    if args.action == "new-storage-key":
        from backend.bootstrap.commands import new_storage_key

        print(new_storage_key(args.key_id))
        return 0
    from backend.cli.keys import run_keys_command

    return run(run_keys_command, args)


def _audit(args: argparse.Namespace) -> int:
    from backend.cli.audit import run_audit
    from backend.cli.common import run

    return run(run_audit, args)


def _export(args: argparse.Namespace) -> int:
    from backend.cli.common import run
    from backend.cli.export import export_checkins

    return run(export_checkins, args)


def _migrate(args: argparse.Namespace) -> int:
    from backend.cli.common import run
    from backend.cli.db import migrate_database

    return run(migrate_database, args)


def _enroll_dir(args: argparse.Namespace) -> int:
    from backend.cli.common import run
    from backend.cli.enroll_dir import enroll_dir

    return run(enroll_dir, args)


def _reembed(args: argparse.Namespace) -> int:
    from backend.cli.common import run
    from backend.cli.reembed import reembed

    return run(reembed, args)


def _retention(args: argparse.Namespace) -> int:
    from backend.cli.common import run
    from backend.cli.retention import enforce_retention

    return run(enforce_retention, args)


def _gallery(args: argparse.Namespace) -> int:
    from backend.cli.common import run
    from backend.cli.gallery import gallery

    return run(gallery, args)


def _openapi(args: argparse.Namespace) -> int:
    from backend.cli.contract import print_contract

    return print_contract(args)
