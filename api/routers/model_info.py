"""Model information: what the scorer in use is, reads, never reads, and how it fares."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import CatalogDep, SessionDep, roles
from api.services.model_info import model_information
from models.org import Role

router = APIRouter(tags=["oversight"])


class ModelInfo(BaseModel):
    scorer: dict[str, Any]
    purpose: str
    intended_use: str
    inputs_read: dict[str, list[str]]
    inputs_never_read: dict[str, str]
    evaluation: dict[str, Any] | None
    known_limitations: list[str]
    policy: dict[str, Any]


@router.get(
    "/model-info",
    response_model=ModelInfo,
    openapi_extra=roles(Role.caseworker, Role.coordinator, Role.evaluator, Role.admin),
)
def model_info(catalog: CatalogDep, session: SessionDep):
    """The active scorer: purpose, inputs, last evaluation by group, limitations, policy."""
    return model_information(session, catalog.policy)
