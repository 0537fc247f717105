"""Suggestions: ranked, explained lists (stored before they are returned), and why (not) a pair.

A list of placements for one participant, or of unplaced participants of the caller's
unit for one placement, is ranked by the engine on the app's compiled catalog, stored
(:func:`models.repo_suggestions.store_suggestion`) and returned with every factor's
contribution and reason. A decision later cites the list by its id.
"""

from __future__ import annotations

import numpy as np
from fastapi import Request
from sqlmodel import Session

from api.access import participant_for, record_list_access, visible_unit
from api.catalog_cache import Catalog
from api.errors import Conflict, NotFound
from api.metrics import SUGGESTIONS
from api.planning import pair_value
from matcher import explain, rank_participants, rank_placements, why_not
from matcher.exploration import explore_top_k
from matcher.value import calibration_n
from models.convert import participant_to_domain
from models.org import User
from models.repo_catalog import get_placement
from models.repo_matching_inputs import unplaced_participants
from models.repo_suggestions import store_suggestion
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
            "kind": r.kind,
        }
        for r in reasons
    ]


def _prediction(item) -> dict:
    """The item's prediction fields (probability, its basis, and the adjustments apart)."""
    return {
        "probability": item.probability,
        "calibration_n": item.calibration_n,
        "log_odds": item.log_odds,
        "baseline": item.baseline,
        "adjustments": item.adjustments,
    }


def _stored(item) -> dict[str, float]:
    """What the suggestion row keeps per item: every factor's part, prediction and policy."""
    return {**item.contributions, **item.adjustments}


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


def placements_for(
    session: Session,
    user: User,
    request: Request,
    participant_id: int,
    catalog: Catalog,
    *,
    limit: int,
    epsilon: float,
) -> SuggestionList:
    """The participant's top ``limit`` placements, shown in a randomised order with
    probability ``epsilon`` (logged propensities); the list is stored and returned."""
    participant = participant_for(session, user, participant_id, request)
    if not participant.active:
        raise Conflict(f"participant {participant_id} is inactive: reactivate them first")
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
                "contributions": _stored(item),
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
                **_prediction(item),
                propensity=propensity,
                placement=_summary(catalog, item.placement_id),
            )
            for position, item, propensity in rows
        ],
    )
    return answer


def participants_for(
    session: Session, user: User, request: Request, placement_id: int, catalog: Catalog, *,
    limit: int,
) -> CandidateList:  # fmt: skip
    """The best unplaced participants of the caller's unit for one open placement; stored,
    and every participant listed is logged as read."""
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
                "contributions": _stored(item),
                "propensity": 1.0,
            }
            for item in ranking.items
        ],
    )
    record_list_access(session, user, request, [item.participant_id for item in ranking.items])
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
                **_prediction(item),
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
    return answer


def eligibility(
    session: Session,
    user: User,
    request: Request,
    participant_id: int,
    placement_id: int,
    catalog: Catalog,
) -> EligibilityAnswer:
    """Why (not) this placement: the rules or full capacity that exclude it, or its score."""
    participant = participant_for(session, user, participant_id, request)
    compiled = catalog.compiled
    subject = participant_to_domain(participant, catalog.day)
    if not _compiled(compiled, placement_id):
        if get_placement(session, placement_id) is None:
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
    valued, contributions, adjustments = pair_value(catalog, subject, position, prices)
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
        contributions=contributions,
        score=float(valued.value[0]),
        probability=float(valued.probability[0]),
        calibration_n=calibration_n(catalog.scorer),
        adjustments=adjustments,
        reasons=_reasons(reasons),
    )
