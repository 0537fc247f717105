"""Repository functions for the suggestion log."""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import Session

from models.suggestion import Suggestion, SuggestionItem


def store_suggestion(
    session: Session,
    *,
    subject: str,
    participant_id: int | None,
    placement_id: int | None,
    requested_by: int,
    policy_version: str,
    candidate_count: int,
    k: int,
    exploration_epsilon: float,
    items: list[dict],
    propensity_kind: str = "deterministic",
) -> Suggestion:
    """Store a list before it is returned; ``items`` are SuggestionItem fields per row."""
    suggestion = Suggestion(
        subject=subject,
        participant_id=participant_id,
        placement_id=placement_id,
        requested_by=requested_by,
        policy_version=policy_version,
        candidate_count=candidate_count,
        k=k,
        exploration_epsilon=exploration_epsilon,
        propensity_kind=propensity_kind,
    )
    session.add(suggestion)
    session.flush()
    if items:
        session.execute(
            insert(SuggestionItem.__table__),
            [{"suggestion_id": suggestion.id, **item} for item in items],
        )
    return suggestion
