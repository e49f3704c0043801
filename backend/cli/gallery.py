"""`facegate gallery show|set`: the gallery's row, read and recalibrated in the database
(no embedder needed); every backend follows a change within seconds."""

import argparse
import json

# Imported when a command runs, not when `facegate` builds its parser (register_gallery).

# Command-line flags and the row's settings they write.
FLAGS = {
    "stranger_accept_rate": "--stranger-accept-rate",
    "match_threshold": "--match-threshold",
    "duplicate_threshold": "--duplicate-threshold",
    "match_margin": "--match-margin",
    "match_min_gallery": "--match-min-gallery",
}


def register_gallery(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`gallery show` and `gallery set`, with a flag per threshold setting."""
    gallery = commands.add_parser("gallery", help="show or recalibrate the gallery")
    actions = gallery.add_subparsers(dest="action", required=True)
    actions.add_parser("show", help="the model, generation and thresholds in force (JSON)")
    change = actions.add_parser(
        "set", help="write threshold settings into the gallery's row ('default' clears one)"
    )
    for name, flag in FLAGS.items():
        change.add_argument(flag, dest=name, metavar="VALUE|default")


def parse_changes(args: argparse.Namespace) -> dict[str, float | None]:
    """The settings given: a number, or 'default' for the configured value."""
    from backend.cli.common import CommandFailed

    changes: dict[str, float | None] = {}
    for name, flag in FLAGS.items():
        given = getattr(args, name, None)
        if given is None:
            continue
        if given == "default":
            changes[name] = None
            continue
        try:
            changes[name] = float(given)
        except ValueError:
            raise CommandFailed(f"{flag} takes a number or 'default', not {given!r}") from None
    if args.action == "set" and not changes:
        raise CommandFailed("gallery set: give at least one of " + ", ".join(FLAGS.values()))
    return changes


def gallery(args: argparse.Namespace) -> int:
    from backend.bootstrap.commands import gallery_status
    from backend.cli.common import settings_or_fail
    from backend.domain.audit import COMMAND_LINE

    changes = parse_changes(args)
    with gallery_status(settings_or_fail()) as status:
        report = (
            status.recalibrate(changes, actor=COMMAND_LINE)
            if args.action == "set"
            else status.report()
        )
    print(json.dumps(report.as_dict(), indent=2))
    return 0
