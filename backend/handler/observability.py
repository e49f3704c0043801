"""Request ids, one JSON access-log line per request, and Prometheus metrics."""

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

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


def install_observability(app: FastAPI, metrics: Metrics) -> None:
    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get("x-request-id", "")
        token = request_id.set(given if SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex)
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = request_id.get()
            return response
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(request.scope.get("route"), "path", "unmatched")
            metrics.requests.labels(route, request.method, str(status)).inc()
            metrics.latency.labels(route, request.method).observe(elapsed)
            access_log.info(
                "%s %s %s",
                request.method,
                route,
                status,
                extra={
                    "fields": {
                        "method": request.method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 1),
                        "api_key_name": getattr(request.state, "api_key_name", None),
                    }
                },
            )
            request_id.reset(token)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
