"""Operations: liveness, readiness and Prometheus metrics (no authentication)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy.engine import Engine

from api.deps import get_engine
from api.errors import problem_response
from api.metrics import REGISTRY, SUGGESTIONS_PAUSED
from models.repo_oversight import read_paused

EngineDep = Annotated[Engine, Depends(get_engine)]

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str


class Readiness(Health):
    suggestions: str  # "running" or "paused" (the stop switch); paused is still ready


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"description": "The database is not reachable"}},
)
def readyz(engine: EngineDep):
    """The database answers a query; says whether suggestions run or are paused."""
    try:
        paused = read_paused(engine)
    except Exception as error:  # any driver error means not ready
        return problem_response(
            503, "Not ready", f"database unreachable: {type(error).__name__}", "not-ready"
        )
    return Readiness(status="ready", suggestions="paused" if paused else "running")


@router.get("/metrics", response_class=Response)
def prometheus_metrics(engine: EngineDep) -> Response:
    """Prometheus text format: request counts and latencies, bookings, conflicts, the stop
    switch (read from the database at each scrape, so every worker reports the same)."""
    try:
        SUGGESTIONS_PAUSED.set(1 if read_paused(engine) else 0)
    except Exception:  # an unreachable database must not hide the other metrics
        SUGGESTIONS_PAUSED.set(float("nan"))
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
