"""Response schemas of the suggestion routes (the tables never go out over the wire)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ReasonPublic(BaseModel):
    factor: str = Field(examples=["skills"])
    sv: str = Field(examples=["Har 2 av 3 krav: truckkort, lagerarbete; saknar: B-körkort"])
    en: str = Field(examples=["Has 2 of 3 required skills; missing: driving licence B"])
    matched: list[str] = Field(default_factory=list)
    partial: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)


class PlacementSummary(BaseModel):
    title: str
    department_id: int
    department_name: str
    work_area: str
    type_code: str
    remaining_slots: int


class SuggestionItemPublic(BaseModel):
    placement_id: int
    rank: int = Field(ge=1, description="position shown, 1 = first")
    score: float = Field(description="the sum of contributions")
    contributions: dict[str, float] = Field(
        description="each factor's part of the score",
        examples=[{"skills": 1.2, "interests": 1.5, "language": 0.0, "capacity": 0.1}],
    )
    reasons: list[ReasonPublic]
    propensity: float = Field(
        description="probability this placement was shown at this rank (1 without exploration)"
    )
    placement: PlacementSummary


class SuggestionList(BaseModel):
    suggestion_id: int = Field(description="cite it when accepting one of the placements")
    participant_id: int
    policy_version: str = Field(examples=["hand-2026.2"])
    created_at: datetime
    candidate_count: int = Field(description="eligible open placements considered")
    excluded_count: int = Field(description="open placements excluded (rules or capacity)")
    exploration_epsilon: float
    items: list[SuggestionItemPublic]


class CandidateSummary(BaseModel):
    ref: str
    unit_id: int
    support_need: int
    language_level: int


class CandidateItemPublic(BaseModel):
    participant_id: int
    rank: int
    score: float
    contributions: dict[str, float]
    reasons: list[ReasonPublic]
    participant: CandidateSummary


class CandidateList(BaseModel):
    suggestion_id: int
    placement_id: int
    policy_version: str
    created_at: datetime
    candidate_count: int
    excluded_count: int
    items: list[CandidateItemPublic]


class ExclusionPublic(BaseModel):
    rule: str = Field(examples=["max_age"])
    sv: str
    en: str


class EligibilityAnswer(BaseModel):
    """Why (not) this placement: the rules or full capacity that exclude it, if any."""

    participant_id: int
    placement_id: int
    eligible: bool
    exclusions: list[ExclusionPublic]
    score: float | None = None
    contributions: dict[str, float] | None = None
    reasons: list[ReasonPublic] = Field(default_factory=list)
