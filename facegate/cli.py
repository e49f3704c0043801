"""The `facegate` command. Each package registers its own commands (`embedder.cli`,
`backend.cli`); this module adds the launcher's and assembles them. Commands import their
dependencies only when they run, so an embedder-only install still runs the ones it has."""

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from backend.cli import register as register_backend
from embedder.cli import register as register_embedder
from facegate.paths import REPO_ROOT


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


def register_launcher(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    certs = commands.add_parser("certs", help="write a self-signed certificate for HTTPS")
    certs.add_argument("--folder", type=Path, default=REPO_ROOT / "certs")
    certs.add_argument(
        "--name", action="append", default=[], help="another host name or IP to include"
    )
    certs.set_defaults(handler=_certs)

    run = commands.add_parser("run", help="start the whole local stack in the foreground")
    run.set_defaults(handler=_run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="facegate", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    register_embedder(commands)
    register_backend(commands)
    register_launcher(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        sys.exit(handler(args))
    except ModuleNotFoundError as missing:
        # An embedder-only (or backend-only) install: say which extra brings the command.
        print(
            f"facegate: {args.command} needs {missing.name}, which this install lacks "
            "(pip install 'facegate[backend]' or 'facegate[embedder]')",
            file=sys.stderr,
        )
        sys.exit(2)
