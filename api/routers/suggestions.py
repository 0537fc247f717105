"""Caseworkers: ranked, explained suggestions, stored before they are returned."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query, Request

from api.access import participant_for, record_access, visible_unit
from api.deps import CurrentUser, IdPath, SessionDep, roles
from api.engine import Catalog
from api.errors import Conflict, NotFound, problems
from api.metrics import SUGGESTIONS
from api.oversight import SuggestionsOpen
from api.responses import model_json
from matcher import (
    FACTORS,
    pair_features,
    rank_participants,
    rank_placements,
    sum_contributions,
    why_not,
)
from matcher.exploration import explore_top_k
from matcher.reasons import explain
from models.convert import participant_to_domain
from models.matching_inputs import unplaced_participants
from models.org import Role
from models.placement import Placement
from models.schemas_suggestion import (
    CandidateItemPublic,
    CandidateList,
    CandidateSummary,
    EligibilityAnswer,
    ExclusionPublic,
    PlacementSummary,
    SuggestionItemPublic,
    SuggestionList,
)
from models.suggestions_repo import store_suggestion

router = APIRouter(tags=["suggestions"])

Limit = Annotated[int, Query(ge=1, le=50, description="how many to return (at most 50)")]


def _catalog(request: Request, session) -> Catalog:
    return request.app.state.catalog.get(session)


def _reasons(reasons) -> list[dict]:
    """The engine's reasons as plain dicts: the response model validates them once, in
    pydantic's compiled core, which costs far less than building 90 models in Python."""
    return [
        {
            "factor": r.factor,
            "sv": r.sv,
            "en": r.en,
            "matched": list(r.matched),
            "partial": list(r.partial),
            "missing": list(r.missing),
        }
        for r in reasons
    ]


def _compiled(compiled, placement_id: int) -> bool:
    """Whether the placement is among today's open, compiled ones (no per-request set)."""
    try:
        compiled.index_of(placement_id)
    except KeyError:
        return False
    return True


def _summary(catalog: Catalog, placement_id: int) -> PlacementSummary:
    placement = catalog.compiled.placements[catalog.compiled.index_of(placement_id)]
    return PlacementSummary(
        title=catalog.titles.get(placement_id, ""),
        department_id=placement.department_id,
        department_name=catalog.department_names.get(placement.department_id, ""),
        work_area=placement.work_area,
        type_code=placement.type_code,
        remaining_slots=placement.remaining_slots,
    )


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
    limit: Limit = 10,
):
    """The participant's top placements with scores and reasons; the list is logged."""
    participant = participant_for(session, user, participant_id, request)
    if not participant.active:
        raise Conflict(f"participant {participant_id} is inactive: reactivate them first")
    catalog = _catalog(request, session)
    subject = participant_to_domain(participant, catalog.day)
    ranking = rank_placements(
        subject,
        catalog.compiled,
        catalog.scorer,
        k=limit,
        as_of=catalog.day,
        policy=catalog.policy,
        prices=catalog.prices,
    )
    epsilon = request.app.state.settings.exploration_epsilon
    shown = explore_top_k(
        [item.placement_id for item in ranking.items],
        k=limit,
        epsilon=epsilon,
        rng=np.random.default_rng() if epsilon > 0 else None,
    )
    by_id = {item.placement_id: item for item in ranking.items}
    rows = [
        (position, by_id[placement_id], propensity)
        for position, (placement_id, propensity) in enumerate(
            zip(shown.order, shown.position_propensities, strict=True), start=1
        )
    ]
    suggestion = store_suggestion(
        session,
        subject="participant",
        participant_id=participant.id,
        placement_id=None,
        requested_by=user.id,
        policy_version=ranking.policy_version,
        candidate_count=ranking.candidate_count,
        k=limit,
        exploration_epsilon=epsilon,
        propensity_kind="position" if epsilon > 0 else "deterministic",
        items=[
            {
                "rank": position,
                "placement_id": item.placement_id,
                "score": item.score,
                "contributions": item.contributions,
                "propensity": propensity,
            }
            for position, item, propensity in rows
        ],
    )
    SUGGESTIONS.inc()
    answer = SuggestionList(
        suggestion_id=suggestion.id,
        participant_id=participant.id,
        policy_version=ranking.policy_version,
        created_at=suggestion.created_at,
        candidate_count=ranking.candidate_count,
        excluded_count=ranking.excluded_count,
        exploration_epsilon=epsilon,
        items=[
            SuggestionItemPublic(
                placement_id=item.placement_id,
                rank=position,
                score=item.score,
                contributions=item.contributions,
                reasons=_reasons(item.reasons),
                propensity=propensity,
                placement=_summary(catalog, item.placement_id),
            )
            for position, item, propensity in rows
        ],
    )
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
    limit: Limit = 10,
):
    """The best unplaced participants of the caller's unit for one open placement; logged."""
    catalog = _catalog(request, session)
    if not _compiled(catalog.compiled, placement_id):
        raise NotFound(f"placement {placement_id} is not open (or does not exist)")
    people = unplaced_participants(session, visible_unit(user))
    by_id = {p.id: p for p in people}
    ranking = rank_participants(
        placement_id,
        [participant_to_domain(p, catalog.day) for p in people],
        catalog.compiled,
        catalog.scorer,
        k=limit,
        as_of=catalog.day,
        policy=catalog.policy,
        prices=catalog.prices,
    )
    suggestion = store_suggestion(
        session,
        subject="placement",
        participant_id=None,
        placement_id=placement_id,
        requested_by=user.id,
        policy_version=ranking.policy_version,
        candidate_count=ranking.candidate_count,
        k=limit,
        exploration_epsilon=0.0,
        items=[
            {
                "rank": item.rank,
                "participant_id": item.participant_id,
                "score": item.score,
                "contributions": item.contributions,
                "propensity": 1.0,
            }
            for item in ranking.items
        ],
    )
    for item in ranking.items:
        record_access(session, user, request, item.participant_id, "read")
    SUGGESTIONS.inc()
    answer = CandidateList(
        suggestion_id=suggestion.id,
        placement_id=placement_id,
        policy_version=ranking.policy_version,
        created_at=suggestion.created_at,
        candidate_count=ranking.candidate_count,
        excluded_count=ranking.excluded_count,
        items=[
            CandidateItemPublic(
                participant_id=item.participant_id,
                rank=item.rank,
                score=item.score,
                contributions=item.contributions,
                reasons=_reasons(item.reasons),
                participant=CandidateSummary(
                    ref=by_id[item.participant_id].ref,
                    unit_id=by_id[item.participant_id].unit_id,
                    support_need=by_id[item.participant_id].support_need,
                    language_level=by_id[item.participant_id].language_level,
                ),
            )
            for item in ranking.items
        ],
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
):
    """Why (not) this placement: the rule or full capacity that excludes it, or its score."""
    participant = participant_for(session, user, participant_id, request)
    catalog = _catalog(request, session)
    compiled = catalog.compiled
    subject = participant_to_domain(participant, catalog.day)
    if not _compiled(compiled, placement_id):
        if session.get(Placement, placement_id) is None:
            raise NotFound(f"placement {placement_id} not found")
        closed = ExclusionPublic(
            rule="closed", sv="Platsen är stängd.", en="The placement is closed."
        )
        return EligibilityAnswer(
            participant_id=participant_id,
            placement_id=placement_id,
            eligible=False,
            exclusions=[closed],
        )
    exclusions = why_not(subject, placement_id, compiled, as_of=catalog.day, policy=catalog.policy)
    position = compiled.index_of(placement_id)
    prices = catalog.prices
    features = pair_features(
        subject, compiled, catalog.day, catalog.policy, prices=prices, rows=np.array([position])
    )
    contributions = np.asarray(catalog.scorer.contributions(features.X))
    reasons = explain(
        subject,
        compiled.placements[position],
        compiled,
        catalog.policy,
        None if prices is None else float(prices[position]),
    )
    return EligibilityAnswer(
        participant_id=participant_id,
        placement_id=placement_id,
        eligible=not exclusions,
        exclusions=[ExclusionPublic(rule=e.rule, sv=e.sv, en=e.en) for e in exclusions],
        contributions=dict(zip(FACTORS, contributions[0].tolist(), strict=True)),
        score=float(sum_contributions(contributions)[0]),
        reasons=_reasons(reasons),
    )
