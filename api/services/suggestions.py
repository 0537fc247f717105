"""Suggestions: ranked, explained lists (stored before they are returned), and why (not) a pair.

A list of placements for one participant, or of unplaced participants of the caller's
unit for one placement, is ranked by the engine on the app's compiled catalog, stored
(:func:`models.repo_suggestions.store_suggestion`) and returned with every factor's
contribution and reason. A decision later cites the list by its id.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from sqlmodel import Session

from api.access import Where, admitted, record_list_access, visible_unit
from api.catalog_cache import Catalog
from api.errors import Conflict, NotFound
from api.metrics import SUGGESTIONS
from api.planning import pair_value
from api.services.placement_facts import placement_summary
from matcher import Ranking, explain, rank_participants, rank_placements, why_not
from matcher.exploration import explore_top_k
from matcher.value import calibration_n
from models.clock import MUNICIPAL_TZ
from models.convert import participant_to_domain
from models.org import User
from models.repo_catalog import get_placement
from models.repo_matches import declined_for_placement, participant_with_decisions
from models.repo_matching_inputs import unplaced_participants
from models.repo_suggestions import store_suggestion
from models.schemas_match import MatchPublic
from models.schemas_suggestion import (
    CandidateItemPublic,
    CandidateList,
    CandidateSummary,
    EligibilityAnswer,
    ExclusionPublic,
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


@dataclass(frozen=True)
class Memory:
    """What a list remembers of the participant's decisions (see :func:`placements_for`)."""

    days: int  # a decline keeps its placement out of the lists this long (0: not at all)
    include_declined: bool = False  # the caseworker asks to see declined ones anyway
    despite_live_match: bool = False  # the caseworker asks for a list despite a live match


def declined_since(day: date, days: int) -> datetime:
    """The first moment whose declines are still remembered on the municipal ``day``:
    the start of the day ``days - 1`` before it (a decline counts on its decision day and
    the ``days - 1`` after it). ``days`` 0 gives a moment after every decision."""
    first = day - timedelta(days=days - 1) if days > 0 else day + timedelta(days=1)
    return datetime.combine(first, time.min, tzinfo=MUNICIPAL_TZ)


def rank_remembering(
    subject, catalog: Catalog, *, limit: int, hidden: Collection[int]
) -> tuple[Ranking, list]:
    """The ranking and its best ``limit`` items that are not ``hidden`` (declined within
    the period). The engine is asked for ``limit + len(hidden)``, so hiding never shortens
    a list that has enough other eligible placements; the order is the engine's, which
    puts the standing plan's placement for the participant first among its ties."""
    pick = catalog.picks.get(subject.id)
    ranking = rank_placements(
        subject,
        catalog.compiled,
        catalog.scorer,
        k=limit + len(hidden),
        as_of=catalog.day,
        policy=catalog.policy,
        prices=catalog.prices,
        preferred=None if pick is None else _position(catalog, pick),
    )
    kept = [item for item in ranking.items if item.placement_id not in hidden]
    return ranking, kept[:limit]


def _position(catalog: Catalog, placement_id: int) -> int | None:
    """The compiled position of an open placement (None once it is no longer open)."""
    try:
        return catalog.compiled.index_of(placement_id)
    except KeyError:
        return None


def _store_list(session, user, participant_id, policy_version, candidate_count, k, epsilon, rows):
    return store_suggestion(
        session,
        subject="participant",
        participant_id=participant_id,
        placement_id=None,
        requested_by=user.id,
        policy_version=policy_version,
        candidate_count=candidate_count,
        k=k,
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


def placements_for(
    session: Session,
    user: User,
    where: Where,
    participant_id: int,
    catalog: Catalog,
    *,
    limit: int,
    epsilon: float,
    memory: Memory,
) -> SuggestionList:
    """The participant's top ``limit`` placements, shown in a randomised order with
    probability ``epsilon`` (logged propensities); the list is stored and returned.

    Decisions are remembered (``memory``): placements declined for the participant within
    ``memory.days`` are left out unless ``include_declined``, and a participant with a
    live match (accepted or started) gets it back, with no items, unless
    ``despite_live_match``. Either way the answer is stored, so it can be cited.
    """
    loaded, live, declined = participant_with_decisions(
        session, participant_id, declined_since(catalog.day, memory.days)
    )
    participant = admitted(session, user, participant_id, loaded, where)
    if not participant.active:
        raise Conflict(f"participant {participant_id} is inactive: reactivate them first")
    hidden = [] if memory.include_declined else declined
    fields = {
        "participant_id": participant.id,
        "exploration_epsilon": epsilon,
        "declined_hidden": hidden,
        "decline_memory_days": memory.days,
    }
    if live is not None and not memory.despite_live_match:
        policy_version = catalog.policy.version
        stored = _store_list(session, user, participant.id, policy_version, 0, limit, 0.0, [])
        return SuggestionList(
            suggestion_id=stored.id,
            policy_version=policy_version,
            created_at=stored.created_at,
            candidate_count=0,
            excluded_count=0,
            items=[],
            live_match=MatchPublic.model_validate(live),
            **fields,
        )
    subject = participant_to_domain(participant, catalog.day)
    ranking, items = rank_remembering(subject, catalog, limit=limit, hidden=set(hidden))
    shown = explore_top_k(
        [item.placement_id for item in items],
        k=limit,
        epsilon=epsilon,
        rng=np.random.default_rng() if epsilon > 0 else None,
    )
    by_id = {item.placement_id: item for item in items}
    rows = [
        (position, by_id[placement_id], propensity)
        for position, (placement_id, propensity) in enumerate(
            zip(shown.order, shown.position_propensities, strict=True), start=1
        )
    ]
    suggestion = _store_list(
        session, user, participant.id, ranking.policy_version, ranking.candidate_count,
        limit, epsilon, rows,
    )  # fmt: skip
    SUGGESTIONS.inc()
    return SuggestionList(
        suggestion_id=suggestion.id,
        policy_version=ranking.policy_version,
        created_at=suggestion.created_at,
        candidate_count=ranking.candidate_count,
        excluded_count=ranking.excluded_count,
        items=[
            SuggestionItemPublic(
                placement_id=item.placement_id,
                rank=position,
                score=item.score,
                contributions=item.contributions,
                reasons=_reasons(item.reasons),
                **_prediction(item),
                propensity=propensity,
                placement=placement_summary(catalog, subject, item.placement_id),
                kept_for_others=item.score < 0,
            )
            for position, item, propensity in rows
        ],
        live_match=None if live is None else MatchPublic.model_validate(live),
        **fields,
    )


def participants_for(
    session: Session, user: User, where: Where, placement_id: int, catalog: Catalog, *,
    limit: int, memory: Memory | None = None,
) -> CandidateList:  # fmt: skip
    """The best unplaced participants of the caller's unit for one open placement; stored,
    and every participant listed is logged as read. Those for whom this placement was
    declined within ``memory.days`` are left out unless ``memory.include_declined``."""
    if not _compiled(catalog.compiled, placement_id):
        raise NotFound(f"placement {placement_id} is not open (or does not exist)")
    people = unplaced_participants(session, visible_unit(user))
    if memory is not None and memory.days > 0 and not memory.include_declined:
        since = declined_since(catalog.day, memory.days)
        declined = declined_for_placement(session, placement_id, since)
        people = [p for p in people if p.id not in declined]
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
    record_list_access(session, user, where, [item.participant_id for item in ranking.items])
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
    where: Where,
    participant_id: int,
    placement_id: int,
    catalog: Catalog,
    memory_days: int = 0,
) -> EligibilityAnswer:
    """Why (not) this placement: the rules or full capacity that exclude it, or its score,
    and whether a recent decline keeps it out of the lists (``memory_days``)."""
    loaded, _, declined = participant_with_decisions(
        session, participant_id, declined_since(catalog.day, memory_days)
    )
    participant = admitted(session, user, participant_id, loaded, where)
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
            declined_recently=placement_id in declined,
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
        declined_recently=placement_id in declined,
    )
