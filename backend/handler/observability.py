"""Request ids, one JSON access-log line per request, and Prometheus metrics."""

import logging
import random
import re
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.logs import request_id

access_log = logging.getLogger("facegate.access")
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)


class GallerySize(Collector):
    """The number of enrolled faces, read when Prometheus scrapes."""

    def __init__(self, count: Callable[[], int]) -> None:
        self._count = count

    def collect(self) -> Any:
        gauge = GaugeMetricFamily("facegate_gallery_faces", "Enrolled face vectors")
        try:
            gauge.add_metric([], float(self._count()))
        except Exception:  # a scrape must not fail because the database is down
            return
        yield gauge


class Metrics:
    """This app's own registry, so two apps in one process (tests) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "facegate_http_requests_total",
            "HTTP requests",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "facegate_http_request_seconds",
            "HTTP request latency",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.embedder = Histogram(
            "facegate_embedder_seconds",
            "Embedder call latency",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.checkins = Counter(
            "facegate_checkins_total",
            "Check-in answers that saw a face",
            ["result"],
            registry=self.registry,
        )

    def observe_embedder(self, operation: str, seconds: float) -> None:
        self.embedder.labels(operation).observe(seconds)


def new_request_id() -> str:
    """32 hex digits from the process's (randomly seeded) generator: a request id names a
    request in the logs, it guards nothing. uuid4 reads the kernel's random source, and
    that system call lets go of the GIL on the event loop: under load the loop then
    waited for a worker thread to give it back."""
    return f"{random.getrandbits(128):032x}"


class Observed:
    """ASGI middleware: a request id (the caller's when it is safe, else a new one) for
    the logs and the answer's X-Request-ID, the request's metrics and its access-log line.
    Plain ASGI rather than @app.middleware("http"), whose BaseHTTPMiddleware runs every
    request in a task of its own with streams between the two."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        token = request_id.set(given if SAFE_REQUEST_ID.fullmatch(given) else new_request_id())
        started = time.perf_counter()
        status = 500

        async def answering(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id.get()
            await send(message)

        try:
            await self.app(scope, receive, answering)
        finally:
            self._record(scope, status, time.perf_counter() - started)
            request_id.reset(token)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        route = getattr(scope.get("route"), "path", "unmatched")
        method = scope["method"]
        self.metrics.requests.labels(route, method, str(status)).inc()
        self.metrics.latency.labels(route, method).observe(elapsed)
        access_log.info(
            "%s %s %s",
            method,
            route,
            status,
            extra={
                "fields": {
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                    "api_key_name": scope.get("state", {}).get("api_key_name"),
                }
            },
        )


def install_observability(app: FastAPI, metrics: Metrics) -> None:
    app.add_middleware(Observed, metrics=metrics)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
