"""The FastAPI application: routers by user group under /api/v1, operations at the root."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy.engine import Engine

from api import metrics
from api.deps import authorise
from api.engine import CatalogCache
from api.errors import install_error_handlers, problems
from api.pages import install_pages
from api.settings import Settings, get_settings
from matcher import load_policy
from models.db import engine_for

API_PREFIX = "/api/v1"

DESCRIPTION = """
Ranked, explained placement suggestions for supported employment (synthetic demo data).

Every route under `/api/v1` needs `Authorization: Bearer <token>` and admits the roles
listed in its `x-roles`. Errors are `application/problem+json` (RFC 9457).
"""


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app; tests pass their own engine, the server uses the configured one."""
    from api.routers import ROUTERS, ops

    settings = settings or get_settings()
    app = FastAPI(
        title="Platsa",
        version="0.1.0",
        description=DESCRIPTION,
        responses=problems(),
        docs_url=None,  # served from the package's own assets by api.pages
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine if engine is not None else engine_for(settings.database_url)
    app.state.catalog = CatalogCache(load_policy(settings.policy_path))
    install_error_handlers(app)
    metrics.install(app)
    v1 = APIRouter(prefix=API_PREFIX, dependencies=[Depends(authorise)])
    for router in ROUTERS:
        v1.include_router(router)
    app.include_router(v1)
    app.include_router(ops.router)
    install_pages(app)
    return app
