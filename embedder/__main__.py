"""`python -m embedder`: check the weights, then serve on EMBEDDER_HOST:EMBEDDER_PORT."""

import logging
import sys

import uvicorn

from embedder.config import EmbedderSettings
from embedder.errors import WeightsMissing
from embedder.weights import engine_for, point_deepface_at, require


def main() -> None:
    settings = EmbedderSettings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        # Fail before serving, in one line, when the model's weights are not on disk.
        point_deepface_at(settings.deepface_home, engine_for(settings.model, settings.engine))
        require(settings.model, settings.detector)
    except WeightsMissing as missing:
        print(f"embedder: {missing}", file=sys.stderr)
        sys.exit(2)
    uvicorn.run(
        "embedder.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.processes,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
