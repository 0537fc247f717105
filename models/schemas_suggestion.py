"""Response schemas of the suggestion routes (the tables never go out over the wire)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ReasonPublic(BaseModel):
    factor: str = Field(examples=["skills"])
    kind: str = Field(
        default="prediction", description="prediction (of success) or adjustment (policy)"
    )
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


class Prediction(BaseModel):
    """The predicted chance of success and how it is made up (see matcher.value)."""

    probability: float = Field(
        ge=0, le=1, description="estimated probability that the placement succeeds"
    )
    calibration_n: int = Field(
        ge=0, description="logged outcomes the probability rests on (0: the policy's prior)"
    )
    log_odds: float = Field(description="baseline + sum(contributions)")
    baseline: float = Field(description="the log-odds every pair starts from")
    adjustments: dict[str, float] = Field(
        description="the municipality's adjustments in probability points (priority, the "
        "department short of its minimum, scarcity); score = probability + their sum",
        examples=[{"priority": 0.03, "capacity": 0.05, "scarcity": -0.02}],
    )


class SuggestionItemPublic(Prediction):
    placement_id: int
    rank: int = Field(ge=1, description="position shown, 1 = first")
    score: float = Field(description="the ranking value: probability + sum(adjustments)")
    contributions: dict[str, float] = Field(
        description="each prediction factor's part of the log-odds",
        examples=[{"skills": 1.2, "interests": 1.0, "language": 0.0, "support": -0.8}],
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


class CandidateItemPublic(Prediction):
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
    probability: float | None = None
    calibration_n: int | None = None
    adjustments: dict[str, float] | None = None
    reasons: list[ReasonPublic] = Field(default_factory=list)
