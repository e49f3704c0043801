"""The `facegate` command. Each package registers its own commands (`embedder.cli`,
`backend.cli`); this module adds the launcher's and assembles them. Commands import their
dependencies only when they run, so an embedder-only install still runs the ones it has."""

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from backend.cli import register as register_backend
from embedder.cli import register as register_embedder
from facegate_shared.paths import REPO_ROOT
from facegate_shared.version import facegate_version


def _run(args: argparse.Namespace) -> int:
    if args.ha:
        from facegate.cluster import cluster_folder, run_cluster
        from facegate.ha import start_ha_cluster

        folder = cluster_folder("ha")
        return run_cluster(args.backends or 2, args.embedders or 1, start_ha_cluster, folder)
    if args.backends is None and args.embedders is None:
        from facegate.stack import run_stack

        return run_stack()  # one of each, the single-machine default
    from facegate.cluster import run_cluster

    return run_cluster(args.backends or 1, args.embedders or 1)


def _count(text: str) -> int:
    """A replica count: 1 to 16 (each backend and embedder takes ~300 MB and its share of
    the cores)."""
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 1 <= count <= 16:
        raise argparse.ArgumentTypeError("must be between 1 and 16")
    return count


def _certs(args: argparse.Namespace) -> int:
    from facegate.certs import machine_names, write_certificates

    path = write_certificates(args.folder, args.name)
    names, addresses = machine_names()
    print(f"wrote {path} for {', '.join(names + addresses + args.name)}")
    print(f"trust {args.folder / 'facegate-ca.crt'} on each tablet (see docs/pages.md)")
    return 0


def _docs(args: argparse.Namespace) -> int:
    from facegate.settings_docs import DOCUMENT, render, write

    if args.check:
        if DOCUMENT.is_file() and DOCUMENT.read_text(encoding="utf-8") == render():
            return 0
        print(f"facegate: {DOCUMENT} is out of date; run `facegate docs`", file=sys.stderr)
        return 1
    print(f"wrote {write()}")
    return 0


def register_launcher(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    certs = commands.add_parser("certs", help="write a self-signed certificate for HTTPS")
    certs.add_argument("--folder", type=Path, default=REPO_ROOT / "certs")
    certs.add_argument(
        "--name", action="append", default=[], help="another host name or IP to include"
    )
    certs.set_defaults(handler=_certs)

    run = commands.add_parser("run", help="start the whole local stack in the foreground")
    run.add_argument(
        "--backends",
        type=_count,
        help="a local cluster: this many backends behind HAProxy, through PgBouncer",
    )
    run.add_argument("--embedders", type=_count, help="a local cluster: this many embedders")
    run.add_argument(
        "--ha",
        action="store_true",
        help="the local cluster on PostgreSQL under Patroni, etcd and replicated SeaweedFS",
    )
    run.set_defaults(handler=_run)

    docs = commands.add_parser("docs", help="write docs/configuration.md from the settings classes")
    docs.add_argument("--check", action="store_true", help="only say whether it is up to date")
    docs.set_defaults(handler=_docs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="facegate", description=__doc__)
    parser.add_argument("--version", action="version", version=f"facegate {facegate_version()}")
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
