"""Operations: liveness, readiness and Prometheus metrics (no authentication)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import select

from api.errors import problem_response
from api.metrics import REGISTRY, SUGGESTIONS_PAUSED
from models.oversight import PAUSED

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str


class Readiness(Health):
    suggestions: str  # "running" or "paused" (the stop switch); paused is still ready


def _paused(request: Request) -> bool:
    """The stop switch, read from the database (every worker process agrees)."""
    with request.app.state.engine.connect() as connection:
        return bool(connection.execute(select(PAUSED)).scalar())


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"description": "The database is not reachable"}},
)
def readyz(request: Request):
    """The database answers a query; says whether suggestions run or are paused."""
    try:
        paused = _paused(request)
    except Exception as error:  # any driver error means not ready
        return problem_response(
            503, "Not ready", f"database unreachable: {type(error).__name__}", "not-ready"
        )
    return Readiness(status="ready", suggestions="paused" if paused else "running")


@router.get("/metrics", response_class=Response)
def prometheus_metrics(request: Request) -> Response:
    """Prometheus text format: request counts and latencies, bookings, conflicts, the stop
    switch (read from the database at each scrape, so every worker reports the same)."""
    try:
        SUGGESTIONS_PAUSED.set(1 if _paused(request) else 0)
    except Exception:  # an unreachable database must not hide the other metrics
        SUGGESTIONS_PAUSED.set(float("nan"))
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
