"""Response schemas of the suggestion routes (the tables never go out over the wire)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from models.schemas_match import MatchPublic


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


class EndsSoon(BaseModel):
    """Why a placement is flagged: the days it has left are fewer than its type needs."""

    days_left: int = Field(ge=0, description="days from today (or its later start) to its end")
    meaningful_days: int = Field(ge=1, description="the placement type's meaningful duration")
    sv: str = Field(examples=["Platsen slutar 2026-12-20, om 18 dagar; Praktik behöver minst 45."])
    en: str = Field(examples=["The placement ends on 2026-12-20, in 18 days; Praktik needs 45."])


class PlacementSummary(BaseModel):
    """The facts a caseworker decides on (api/services/placement_facts.py)."""

    title: str
    department_id: int
    department_name: str
    work_area: str
    type_code: str
    remaining_slots: int = Field(description="slots left to book")
    work_area_label: str = Field(default="", examples=["Vård och omsorg"])
    type_name: str = Field(default="", examples=["Praktik"])
    start_date: date | None = None
    end_date: date | None = Field(default=None, description="none: open-ended")
    hours_per_week: int | None = None
    min_hours: int | None = Field(
        default=None, description="the lowest part-time hours a week accepted; none: full only"
    )
    distance_km: float | None = Field(
        default=None, description="straight-line km from the participant's home to the site"
    )
    ends_soon: bool = Field(
        default=False,
        description="true when the days it has left are fewer than its type's meaningful_days",
    )
    ends_soon_reason: EndsSoon | None = None


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
    kept_for_others: bool = Field(
        default=False,
        description="true when the score is below 0: the standing plan's scarcity price is "
        "more than this pair's chance plus adjustments, so the place does more good for "
        "someone else waiting; it may still be booked",
    )


class SuggestionList(BaseModel):
    suggestion_id: int = Field(description="cite it when accepting one of the placements")
    participant_id: int
    policy_version: str = Field(examples=["hand-2026.2"])
    created_at: datetime
    candidate_count: int = Field(description="eligible open placements considered")
    excluded_count: int = Field(description="open placements excluded (rules or capacity)")
    exploration_epsilon: float
    items: list[SuggestionItemPublic]
    live_match: MatchPublic | None = Field(
        default=None,
        description="the participant's live match (accepted or started): when set and "
        "despite_live_match was not asked, it is returned instead of a list (items empty)",
    )
    declined_hidden: list[int] = Field(
        default_factory=list,
        description="placements declined for the participant, or booked and withdrawn, "
        "within decline_memory_days, left out of this list (empty with "
        "include_declined=true)",
    )
    decline_memory_days: int = Field(
        default=0, description="how long a decline keeps a placement out of the lists"
    )


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
    declined_recently: bool = Field(
        default=False,
        description="declined for this participant, or booked and withdrawn, within the "
        "decline memory period: the lists leave it out unless include_declined=true (it "
        "stays eligible)",
    )
