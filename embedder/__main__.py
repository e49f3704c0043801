"""`python -m embedder`: check the weights, then serve on EMBEDDER_HOST:EMBEDDER_PORT."""

import socket
import sys

import uvicorn
from uvicorn.supervisors import Multiprocess

from embedder.config import EmbedderSettings
from embedder.errors import WeightsMissing
from embedder.logs import configure_logging
from embedder.sface_int8 import INT8_MODEL, Int8Unavailable, int8_graph, require_pairing
from embedder.weights import engine_for, point_deepface_at, require


def main() -> None:
    settings = EmbedderSettings()
    configure_logging()
    try:
        # Fail before serving, in one line, when the model's weights are not on disk.
        point_deepface_at(settings.deepface_home, engine_for(settings.model, settings.engine))
        require(settings.model, settings.detector)
        if settings.model == INT8_MODEL:
            # paired and built (or read from its cache) and checked once, before the
            # workers start
            from embedder.recognition import sface_weights

            require_pairing(settings.detector, settings.align)
            int8_graph(sface_weights())
    except (WeightsMissing, Int8Unavailable) as missing:
        print(f"embedder: {missing}", file=sys.stderr)
        sys.exit(2)
    config = uvicorn.Config(
        "embedder.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.processes,
        log_level="warning",
    )
    if settings.processes == 1:
        uvicorn.Server(config).run()
        return
    # uvicorn's multi-process mode binds its socket with protocol 0, so asyncio never sets
    # TCP_NODELAY on accepted connections and each keep-alive answer waits ~40 ms for the
    # client's delayed ACK (bench/README.md, throughput). Hand it a socket that says TCP.
    bound = config.bind_socket()
    tcp = socket.socket(bound.family, socket.SOCK_STREAM, socket.IPPROTO_TCP, bound.detach())
    Multiprocess(config, sockets=[tcp]).run()


if __name__ == "__main__":
    main()
