"""Every suggestion list, stored before it is returned, so evaluators can replay it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import json_dict_field, timestamp_field


class Suggestion(SQLModel, table=True):
    """One ranked list as shown: who asked, when, with which policy, over how many candidates.

    ``subject`` is "participant" (placements for one participant) or "placement"
    (participants for one placement).
    """

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(default="participant", max_length=16)
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)
    placement_id: int | None = Field(default=None, foreign_key="placement.id", index=True)
    requested_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = timestamp_field(index=True)
    policy_version: str = Field(max_length=64)
    candidate_count: int
    k: int
    exploration_epsilon: float = 0.0
    #: what the items' ``propensity`` means: "deterministic" (all 1), "position" (the
    #: marginal probability the item was shown at its rank: the API's top-k exploration,
    #: matcher.exploration) or "plackett_luce_step" (the probability the logging policy
    #: drew the item at its rank given the items above it: the demo's legacy lists)
    propensity_kind: str = Field(default="deterministic", max_length=32)


class SuggestionItem(SQLModel, table=True):
    """One row of a stored list; ``propensity`` as its list's ``propensity_kind`` says."""

    id: int | None = Field(default=None, primary_key=True)
    suggestion_id: int = Field(foreign_key="suggestion.id", index=True)
    rank: int
    placement_id: int | None = Field(default=None, foreign_key="placement.id")
    participant_id: int | None = Field(default=None, foreign_key="participant.id")
    score: float
    contributions: dict = json_dict_field()
    propensity: float = 1.0
