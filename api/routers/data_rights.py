"""Admins: a participant's data export, pseudonymisation, and legal holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from api.access import Where
from api.deps import CurrentUser, IdPath, SessionDep, roles
from api.errors import problems
from api.services import data_rights
from models.data_rights import ErasureRequest
from models.org import Role
from models.retention import LegalHoldCreate, LegalHoldPublic

router = APIRouter(tags=["data protection"])

ADMIN = roles(Role.admin)


class ParticipantExport(BaseModel):
    participant: dict[str, Any]
    revisions: list[dict[str, Any]]
    suggestion_lists: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    decision_events: list[dict[str, Any]]
    outcomes: list[dict[str, Any]]
    plan_rows: list[dict[str, Any]]
    access_log: list[dict[str, Any]]
    erasure: list[dict[str, Any]]


class ErasurePublic(BaseModel):
    participant_id: int
    at: datetime
    by: int | None
    reason: str


@router.get(
    "/participants/{participant_id}/export",
    response_model=ParticipantExport,
    openapi_extra=ADMIN,
    responses=problems(404),
)
def export(participant_id: IdPath, request: Request, session: SessionDep, user: CurrentUser):
    """Everything held on one participant as one JSON document (GDPR art. 15); logged."""
    return data_rights.export_participant(session, user, Where.of(request), participant_id)


@router.post(
    "/participants/{participant_id}/erasure",
    status_code=201,
    response_model=ErasurePublic,
    openapi_extra=ADMIN,
    responses=problems(404, 409),
)
def erase(
    participant_id: IdPath,
    body: ErasureRequest,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
):
    """Pseudonymise a participant: case reference replaced, free texts deleted; logged."""
    return data_rights.erase_participant(
        session, user, Where.of(request), participant_id, body.reason
    )


@router.post(
    "/participants/{participant_id}/legal-hold",
    status_code=201,
    response_model=LegalHoldPublic,
    openapi_extra=ADMIN,
    responses=problems(404, 409),
)
def hold(
    participant_id: IdPath,
    body: LegalHoldCreate,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
):
    """Keep everything about a participant (no retention, no erasure) until released."""
    return data_rights.hold_participant(
        session, user, Where.of(request), participant_id, body.reason
    )


@router.delete(
    "/participants/{participant_id}/legal-hold",
    response_model=LegalHoldPublic,
    openapi_extra=ADMIN,
    responses=problems(404),
)
def release(participant_id: IdPath, request: Request, session: SessionDep, user: CurrentUser):
    """Release the participant's legal hold."""
    return data_rights.release_participant(session, user, Where.of(request), participant_id)
