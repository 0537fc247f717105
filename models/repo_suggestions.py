"""Repository functions for the suggestion log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, bindparam, column, func, insert, select, true
from sqlmodel import Session

from models.base import utcnow
from models.suggestion import Suggestion, SuggestionItem

_SUGGESTION = Suggestion.__table__
_ITEM = SuggestionItem.__table__
# built once, values passed as parameters: building ``insert().values(...)`` per request
# costs more Python than running it
_INSERT_SUGGESTION = insert(_SUGGESTION).returning(_SUGGESTION.c.id)
_INSERT_ITEMS = insert(_ITEM)
_LIST_FIELDS = ("subject", "participant_id", "placement_id", "requested_by", "created_at",
                "policy_version", "candidate_count", "k", "exploration_epsilon",
                "propensity_kind")  # fmt: skip
_ITEM_FIELDS = ("rank", "placement_id", "participant_id", "score", "contributions", "propensity")


def _insert_list_and_items():
    """The list and its items in one statement (PostgreSQL): ``WITH s AS (INSERT INTO
    suggestion ... RETURNING id), items AS (INSERT INTO suggestionitem SELECT s.id, x.*
    FROM s, json_to_recordset(:items) AS x(rank integer, ...)) SELECT id FROM s``. The
    items travel as one JSON array, so a list of ten costs one round trip and one
    parameter instead of an executemany of ten rows; ``json`` (not ``jsonb``) keeps each
    item's contributions as the same text the column stores otherwise."""
    listed = (
        insert(_SUGGESTION)
        .values({name: bindparam(name, type_=_SUGGESTION.c[name].type) for name in _LIST_FIELDS})
        .returning(_SUGGESTION.c.id)
        .cte("listed")
    )
    rows = func.json_to_recordset(bindparam("items", type_=JSON)).table_valued(
        *(column(name, _ITEM.c[name].type) for name in _ITEM_FIELDS)
    ).render_derived(with_types=True)  # fmt: skip
    items = insert(_ITEM).from_select(
        ["suggestion_id", *_ITEM_FIELDS],
        select(listed.c.id, *(rows.c[name] for name in _ITEM_FIELDS)).select_from(
            listed.join(rows, true())
        ),
    )
    return select(listed.c.id).add_cte(items.cte("items"))


_INSERT_LIST_AND_ITEMS = _insert_list_and_items()


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
    fields = {
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
    }
    if items and session.get_bind().dialect.name == "postgresql":
        rows = [{name: item.get(name) for name in _ITEM_FIELDS} for item in items]
        suggestion_id = session.execute(_INSERT_LIST_AND_ITEMS, {**fields, "items": rows})
        return StoredSuggestion(id=suggestion_id.scalar_one(), created_at=created_at)
    suggestion_id = session.execute(_INSERT_SUGGESTION, fields).scalar_one()
    if items:
        session.execute(_INSERT_ITEMS, [{"suggestion_id": suggestion_id, **item} for item in items])
    return StoredSuggestion(id=suggestion_id, created_at=created_at)
