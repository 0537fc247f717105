"""The factor registry: every factor declared once, in one place.

A :class:`Factor` is one entry: its name, its kind (a ``prediction`` of success in
log-odds, or a policy ``adjustment`` in probability points), the monotone direction it
promises, its pair definition (:mod:`matcher.factors`), its vectorised forms in both
directions of ranking (:mod:`matcher.factor_columns`; optional, the pair definition is
the fallback), its reason texts in Swedish and English (:mod:`matcher.reasons`) and its
default weight (used when a policy file does not name the factor). A new factor is one
entry here plus its tests; the engine, the reference, the explanations, the scorers and
the policy loader all read this list.

Column order of the feature matrix is :data:`FACTORS`: the predictions first
(:data:`PREDICTORS`), then the adjustments (:data:`ADJUSTMENTS`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from matcher import factor_columns as col
from matcher import factors as f
from matcher import reasons as r

PREDICTION: Literal["prediction"] = "prediction"
ADJUSTMENT: Literal["adjustment"] = "adjustment"


@dataclass(frozen=True, slots=True)
class Factor:
    """One factor, declared once (see the module docstring)."""

    name: str
    kind: Literal["prediction", "adjustment"]
    increases_with: str  # the monotone promise: what makes the feature (never lower) higher
    pair: Callable[[f.Pair], float]
    reason: Callable[[f.Pair], r.Reason]
    default_weight: float
    over_placements: Callable[[col.PlacementsSide], np.ndarray] | None = None
    over_participants: Callable[[col.ParticipantsSide], np.ndarray] | None = None


REGISTRY: tuple[Factor, ...] = (
    Factor(
        "skills", PREDICTION, "the participant's credit towards each listed skill",
        f.skills, r.skills_reason, 0.6, col.skills_over_placements, col.skills_over_participants,
    ),
    Factor(
        "interests", PREDICTION, "how early the work area comes in the participant's interests",
        f.interests, r.interests_reason, 1.5,
        col.interests_over_placements, col.interests_over_participants,
    ),
    Factor(
        "language", PREDICTION, "the participant's Swedish level",
        f.language, r.language_reason, 0.7,
        col.language_over_placements, col.language_over_participants,
    ),
    Factor(
        "support", PREDICTION, "the supervision the workplace gives (for a given support need)",
        f.support, r.support_reason, 0.8,
        col.support_over_placements, col.support_over_participants,
    ),
    Factor(
        "commute", PREDICTION, "a shorter commute",
        f.commute, r.commute_reason, 0.6,
        col.commute_over_placements, col.commute_over_participants,
    ),
    Factor(
        "parent_commute", PREDICTION, "a shorter commute, for a parent",
        f.parent_commute, r.parent_commute_reason, 0.3,
        col.parent_commute_over_placements, col.parent_commute_over_participants,
    ),
    Factor(
        "hours", PREDICTION, "fewer hours beyond the participant's maximum",
        f.hours, r.hours_reason, 0.4,
        col.hours_over_placements, col.hours_over_participants,
    ),
    Factor(
        "parent_hours", PREDICTION, "fewer hours beyond the maximum, for a parent",
        f.parent_hours, r.parent_hours_reason, 0.2,
        col.parent_hours_over_placements, col.parent_hours_over_participants,
    ),
    Factor(
        "priority", ADJUSTMENT, "months on assistance and months without work",
        f.priority, r.priority_reason, 0.05,
        col.priority_over_placements, col.priority_over_participants,
    ),
    Factor(
        "capacity", ADJUSTMENT, "the department's shortfall from its minimum, and slots left",
        f.capacity, r.capacity_reason, 0.05,
        col.capacity_over_placements, col.capacity_over_participants,
    ),
    Factor(
        "scarcity", ADJUSTMENT, "a lower opportunity-cost price",
        f.scarcity, r.scarcity_reason, 1.0,
        col.scarcity_over_placements, col.scarcity_over_participants,
    ),
)  # fmt: skip

FACTORS: tuple[str, ...] = tuple(factor.name for factor in REGISTRY)
PREDICTORS: tuple[str, ...] = tuple(x.name for x in REGISTRY if x.kind == PREDICTION)
ADJUSTMENTS: tuple[str, ...] = tuple(x.name for x in REGISTRY if x.kind == ADJUSTMENT)
N_PREDICTORS = len(PREDICTORS)
BY_NAME: dict[str, Factor] = {factor.name: factor for factor in REGISTRY}
DEFAULT_WEIGHTS: dict[str, float] = {factor.name: factor.default_weight for factor in REGISTRY}

if FACTORS != PREDICTORS + ADJUSTMENTS:  # pragma: no cover - a registry edit gone wrong
    raise RuntimeError("declare every prediction factor before the adjustments")
