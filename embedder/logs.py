"""The embedder's log lines, set up in every process that serves: uvicorn's worker
processes (EMBEDDER_PROCESSES > 1) are spawned, and inherit no logging setup from the
process that started them, so without this their INFO lines (ready, the thread timing's
choice) went nowhere."""

import logging


def configure_logging() -> None:
    """INFO and up to stderr, once per process (a second call changes nothing)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
