"""Prometheus metrics: request counts and latencies by route, bookings and conflicts."""

from __future__ import annotations

import time

from fastapi import FastAPI, Request
from prometheus_client import CollectorRegistry, Counter, Histogram

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


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def _measure(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        template = route_template(request) if "route" in request.scope else "unmatched"
        LATENCY.labels(request.method, template).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, template, str(response.status_code)).inc()
        return response
