"""`facegate reembed --model NAME`: the gallery moved to another model from its photos."""

import argparse

from rich.console import Console
from rich.progress import Progress

from backend.bootstrap.commands import reembedding
from backend.cli.common import settings_or_fail
from backend.domain.audit import COMMAND_LINE


def reembed(args: argparse.Namespace) -> int:
    settings = settings_or_fail()
    if args.embedder_url:
        settings.embedder_url = args.embedder_url
    with reembedding(settings) as service, Progress(console=Console(stderr=True)) as bar:
        task = bar.add_task("re-embedding", total=None)
        report = service.run(
            args.model,
            lambda done, total: bar.update(task, completed=done, total=total),
            actor=COMMAND_LINE,
        )
    print(
        f"re-embedded {report.faces} faces with {report.model.model} "
        f"({report.model.dim}-d), generation {report.generation}; every backend follows "
        "within seconds and answers model_mismatch until its embedder runs this model"
    )
    return 0
