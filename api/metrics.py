"""Prometheus metrics: request counts and latencies by route, bookings and conflicts."""

from __future__ import annotations

import time

from fastapi import FastAPI, Request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from api.access import route_template

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "platsa_requests_total", "HTTP requests", ["method", "route", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "platsa_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
BOOKINGS = Counter("platsa_bookings_total", "Placements booked", registry=REGISTRY)
CONFLICTS = Counter(
    "platsa_booking_conflicts_total", "Bookings refused as full", ["what"], registry=REGISTRY
)
SUGGESTIONS = Counter("platsa_suggestion_lists_total", "Suggestion lists served", registry=REGISTRY)
SUGGESTIONS_PAUSED = Gauge(
    "platsa_suggestions_paused",
    "1 while an admin has paused suggestions and plan proposals (the stop switch), else 0",
    registry=REGISTRY,
)
CATALOG_UPDATES = Histogram(
    "platsa_catalog_update_seconds",
    "Compiled catalog updates in this process: build (from scratch: placement, taxonomy, "
    "type, plan or model changes, a new day) or refresh (capacity only: bookings, quotas)",
    ["kind"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)


class MetricsMiddleware:
    """Counts and times every HTTP request by route template and status.

    A plain ASGI middleware rather than ``@app.middleware("http")``: Starlette's
    BaseHTTPMiddleware wraps each response in an extra task and stream, a measurable
    share of a suggestion request's time.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            request = Request(scope)
            template = route_template(request) if "route" in scope else "unmatched"
            LATENCY.labels(scope["method"], template).observe(time.perf_counter() - started)
            REQUESTS.labels(scope["method"], template, str(status)).inc()


def install(app: FastAPI) -> None:
    app.add_middleware(MetricsMiddleware)
