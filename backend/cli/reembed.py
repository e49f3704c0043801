"""`facegate reembed --model NAME`: the gallery moved to another model from its photos."""

import argparse

from rich.console import Console
from rich.progress import Progress

from backend.cli.common import settings_or_fail
from backend.domain.reembed import ReembedService
from backend.infrastructure.database import make_engine, migrate
from backend.infrastructure.http_embedder import HttpEmbedder
from backend.infrastructure.pg_faces import PgFaceRepository
from backend.infrastructure.s3_store import S3ImageStore


def reembed(args: argparse.Namespace) -> int:
    settings = settings_or_fail()
    if args.embedder_url:
        settings.embedder_url = args.embedder_url
    engine = make_engine(settings.database_url, pool_size=2, pooler=settings.database_pooler)
    embedder = HttpEmbedder(settings.embedder_url, settings.embedder_timeout)
    try:
        # Not connect(): that would bind the gallery to the new embedder's model at once.
        migrate(engine)
        images = S3ImageStore(
            settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key, settings.s3_bucket
        )
        service = ReembedService(
            embedder=embedder,
            faces=PgFaceRepository(engine),
            images=images,
            metric=settings.match_metric,
        )
        with Progress(console=Console(stderr=True)) as bar:
            task = bar.add_task("re-embedding", total=None)
            report = service.run(
                args.model, lambda done, total: bar.update(task, completed=done, total=total)
            )
        print(
            f"re-embedded {report.faces} faces with {report.model.model} "
            f"({report.model.dim}-d); restart the backend with this embedder"
        )
        return 0
    finally:
        embedder.close()
        engine.dispose()
