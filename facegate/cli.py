"""The `facegate` command: models, keys, the local stack. Each command imports lazily,
so an embedder-only or backend-only install runs the commands it has."""

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _models_pull(args: argparse.Namespace) -> int:
    from embedder.config import EmbedderSettings
    from embedder.errors import WeightsMissing
    from embedder.weights import engine_for, point_deepface_at, pull

    settings = EmbedderSettings()
    model = args.model or settings.model
    detector = args.detector or settings.detector
    point_deepface_at(settings.deepface_home, engine_for(model, settings.engine))
    try:
        pull(model, detector, settings.deepface_home)
    except WeightsMissing as missing:
        print(f"facegate: {missing}", file=sys.stderr)
        return 2
    print(f"weights for model {model} and detector {detector} are in {settings.deepface_home}")
    return 0


def _backend(module: str, function: str) -> Callable[[argparse.Namespace], int]:
    """A backend command, imported only when it runs."""

    def handler(args: argparse.Namespace) -> int:
        import importlib

        from backend.cli.common import run

        return run(getattr(importlib.import_module(f"backend.cli.{module}"), function), args)

    return handler


def _run(args: argparse.Namespace) -> int:
    from facegate.stack import run_stack

    return run_stack()


def _certs(args: argparse.Namespace) -> int:
    from facegate.certs import machine_names, write_certificates

    path = write_certificates(args.folder, args.name)
    names, addresses = machine_names()
    print(f"wrote {path} for {', '.join(names + addresses + args.name)}")
    print(f"trust {args.folder / 'facegate-ca.crt'} on each tablet (see README, HTTPS)")
    return 0


def _openapi(args: argparse.Namespace) -> int:
    from backend.config import BackendSettings
    from backend.handler.contract import contract_text
    from backend.main import create_app

    # The app is only built, never started: nothing is connected.
    sys.stdout.write(contract_text(create_app(BackendSettings())))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="facegate", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    models = commands.add_parser("models", help="model weights")
    models_sub = models.add_subparsers(dest="action", required=True)
    pull = models_sub.add_parser("pull", help="put a model's weights in place")
    pull.add_argument("--model", help="DeepFace model name (default: EMBEDDER_MODEL)")
    pull.add_argument("--detector", help="DeepFace detector (default: EMBEDDER_DETECTOR)")
    pull.set_defaults(handler=_models_pull)

    keys = commands.add_parser("keys", help="API keys")
    keys_sub = keys.add_subparsers(dest="action", required=True)
    create = keys_sub.add_parser("create", help="create a key and print it once")
    create.add_argument("--role", choices=["admin", "kiosk"], required=True)
    create.add_argument("--name", required=True)
    keys_sub.add_parser("list", help="list keys (never the secrets)")
    revoke = keys_sub.add_parser("revoke", help="revoke a key by name")
    revoke.add_argument("name")
    keys.set_defaults(handler=_backend("keys", "run_keys_command"))

    checkins = commands.add_parser("checkins", help="attendance records")
    checkins_sub = checkins.add_subparsers(dest="action", required=True)
    export = checkins_sub.add_parser("export", help="write check-ins to a CSV file")
    export.add_argument("--from", dest="start", help="ISO 8601 date or time (office time zone)")
    export.add_argument("--to", dest="end", help="ISO 8601; a bare date is included")
    export.add_argument("--employee", help="only this employee id")
    export.add_argument("--out", type=Path, required=True)
    export.set_defaults(handler=_backend("export", "export_checkins"))

    db = commands.add_parser("db", help="the database schema")
    db_sub = db.add_subparsers(dest="action", required=True)
    db_sub.add_parser("migrate", help="run the schema migrations once, then exit")
    db.set_defaults(handler=_backend("db", "migrate_database"))

    enroll = commands.add_parser("enroll-dir", help="enroll DIR/<employee_id>/*.jpg")
    enroll.add_argument("folder", type=Path)
    enroll.set_defaults(handler=_backend("enroll_dir", "enroll_dir"))

    reembed = commands.add_parser("reembed", help="re-embed every stored photo with a model")
    reembed.add_argument("--model", required=True, help="the model the embedder runs")
    reembed.add_argument("--embedder-url", help="an embedder running it (default EMBEDDER_URL)")
    reembed.set_defaults(handler=_backend("reembed", "reembed"))

    certs = commands.add_parser("certs", help="write a self-signed certificate for HTTPS")
    certs.add_argument("--folder", type=Path, default=REPO_ROOT / "certs")
    certs.add_argument(
        "--name", action="append", default=[], help="another host name or IP to include"
    )
    certs.set_defaults(handler=_certs)

    openapi = commands.add_parser(
        "openapi", help="print the API contract (make openapi writes it to openapi.json)"
    )
    openapi.set_defaults(handler=_openapi)

    run = commands.add_parser("run", help="start the whole local stack in the foreground")
    run.set_defaults(handler=_run)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    sys.exit(handler(args))
