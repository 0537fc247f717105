"""Caseworkers: ranked, explained suggestions, stored before they are returned.

HTTP only; the rules are :mod:`api.services.suggestions`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.access import Where
from api.deps import CurrentUser, IdPath, SessionDep, SettingsDep, TodaysCatalog, roles
from api.errors import problems
from api.oversight import SuggestionsOpen
from api.responses import model_json
from api.services import suggestions
from models.org import Role
from models.schemas_suggestion import CandidateList, EligibilityAnswer, SuggestionList

router = APIRouter(tags=["suggestions"])

Limit = Annotated[int, Query(ge=1, le=50, description="how many to return (at most 50)")]
IncludeDeclined = Annotated[
    bool,
    Query(description="also suggest placements declined for the participant within the "
          "decline memory period (PLATSA_DECLINE_MEMORY_DAYS)"),
]  # fmt: skip
DespiteLiveMatch = Annotated[
    bool,
    Query(description="rank a new list even though the participant has a live (accepted "
          "or started) match; without it the live match is returned instead"),
]  # fmt: skip


@router.get(
    "/participants/{participant_id}/suggestions",
    response_model=SuggestionList,
    openapi_extra=roles(Role.caseworker),
    responses=problems(404, 409, 503),
    dependencies=[SuggestionsOpen],
)
def suggest_placements(
    participant_id: IdPath,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    catalog: TodaysCatalog,
    settings: SettingsDep,
    limit: Limit = 10,
    include_declined: IncludeDeclined = False,
    despite_live_match: DespiteLiveMatch = False,
):
    """The participant's top placements with scores, reasons and the facts; the list is
    logged. Placements declined for them within PLATSA_DECLINE_MEMORY_DAYS are left out
    (``declined_hidden``) unless ``include_declined``; a participant with a live match gets
    it back in ``live_match`` with no items unless ``despite_live_match``."""
    memory = suggestions.Memory(
        days=settings.decline_memory_days,
        include_declined=include_declined,
        despite_live_match=despite_live_match,
    )
    answer = suggestions.placements_for(
        session, user, Where.of(request), participant_id, catalog,
        limit=limit, epsilon=settings.exploration_epsilon, memory=memory,
    )  # fmt: skip
    return model_json(answer)


@router.get(
    "/placements/{placement_id}/candidates",
    response_model=CandidateList,
    openapi_extra=roles(Role.caseworker, Role.coordinator),
    responses=problems(404, 503),
    dependencies=[SuggestionsOpen],
)
def suggest_participants(
    placement_id: IdPath,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    catalog: TodaysCatalog,
    settings: SettingsDep,
    limit: Limit = 10,
    include_declined: IncludeDeclined = False,
):
    """The best unplaced participants of the caller's unit for one open placement; logged.
    Those for whom it was declined within PLATSA_DECLINE_MEMORY_DAYS are left out unless
    ``include_declined``."""
    memory = suggestions.Memory(
        days=settings.decline_memory_days, include_declined=include_declined
    )
    answer = suggestions.participants_for(
        session, user, Where.of(request), placement_id, catalog, limit=limit, memory=memory
    )
    return model_json(answer)


@router.get(
    "/participants/{participant_id}/placements/{placement_id}/eligibility",
    response_model=EligibilityAnswer,
    openapi_extra=roles(Role.caseworker),
    responses=problems(404, 503),
    dependencies=[SuggestionsOpen],
)
def eligibility(
    participant_id: IdPath,
    placement_id: IdPath,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    catalog: TodaysCatalog,
    settings: SettingsDep,
):
    """Why (not) this placement: the rule or full capacity that excludes it, or its score,
    and ``declined_recently`` when a decline keeps it out of the lists."""
    return suggestions.eligibility(
        session, user, Where.of(request), participant_id, placement_id, catalog,
        memory_days=settings.decline_memory_days,
    )  # fmt: skip
