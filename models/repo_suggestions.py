"""Repository functions for the suggestion log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session

from models.base import utcnow
from models.suggestion import Suggestion, SuggestionItem

_SUGGESTION = Suggestion.__table__
_ITEM = SuggestionItem.__table__
# built once, values passed as parameters: building ``insert().values(...)`` per request
# costs more Python than running it
_INSERT_SUGGESTION = insert(_SUGGESTION).returning(_SUGGESTION.c.id)
_INSERT_ITEMS = insert(_ITEM)


@dataclass(frozen=True)
class StoredSuggestion:
    id: int
    created_at: datetime


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
) -> StoredSuggestion:
    """Store a list before it is returned; ``items`` are SuggestionItem fields per row.

    Core inserts, not the ORM's unit of work: this runs on every suggestion request, and
    the list is never read back in the same request, so the identity map buys nothing.
    """
    created_at = utcnow()
    suggestion_id = session.execute(
        _INSERT_SUGGESTION,
        {
            "subject": subject,
            "participant_id": participant_id,
            "placement_id": placement_id,
            "requested_by": requested_by,
            "created_at": created_at,
            "policy_version": policy_version,
            "candidate_count": candidate_count,
            "k": k,
            "exploration_epsilon": exploration_epsilon,
            "propensity_kind": propensity_kind,
        },
    ).scalar_one()
    if items:
        session.execute(_INSERT_ITEMS, [{"suggestion_id": suggestion_id, **item} for item in items])
    return StoredSuggestion(id=suggestion_id, created_at=created_at)
