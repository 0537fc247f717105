"""Operations: liveness, readiness and Prometheus metrics (no authentication)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text

from api.errors import problem_response
from api.metrics import REGISTRY

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"description": "The database is not reachable"}},
)
def readyz(request: Request):
    """The database answers a query."""
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means not ready
        return problem_response(
            503, "Not ready", f"database unreachable: {type(error).__name__}", "not-ready"
        )
    return Health(status="ready")


@router.get("/metrics", response_class=Response)
def prometheus_metrics() -> Response:
    """Prometheus text format: request counts and latencies, bookings, conflicts."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
