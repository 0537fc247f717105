"""Platsa's scoring engine: ranked, explained, eligibility-aware suggestions.

Pure numpy/scipy/scikit-learn: no database, no HTTP, no global random state, so the
API, the cohort planner and the replay all call the same code. Typical use::

    policy = load_policy()
    compiled = CompiledPlacements.build(placements, Taxonomy(concepts), types, capacities)
    ranking = rank_placements(participant, compiled, PolicyScorer.from_policy(policy),
                              k=10, as_of=date.today(), policy=policy)

Each score is the sum of one contribution per factor in :data:`FACTORS`; see
:mod:`matcher.factors` for the definition of each factor and
``matcher/policies/default.toml`` for every weight and threshold.
"""

from matcher.compiled import CompiledPlacements
from matcher.eligibility import RULES, Exclusion
from matcher.features import (
    PairFeatures,
    feature_matrix,
    pair_features,
    score_matrix,
    sum_contributions,
)
from matcher.placement_features import placement_features
from matcher.policy import DEFAULT_POLICY_PATH, FACTORS, Policy, load_policy, policy_from_mapping
from matcher.ranking import (
    RankedItem,
    Ranking,
    rank_participants,
    rank_placements,
    top_k,
    why_not,
)
from matcher.reasons import Reason
from matcher.scorer import PolicyScorer
from matcher.taxonomy import Taxonomy

__all__ = [
    "DEFAULT_POLICY_PATH",
    "FACTORS",
    "RULES",
    "CompiledPlacements",
    "Exclusion",
    "PairFeatures",
    "Policy",
    "PolicyScorer",
    "RankedItem",
    "Ranking",
    "Reason",
    "Taxonomy",
    "feature_matrix",
    "load_policy",
    "pair_features",
    "placement_features",
    "policy_from_mapping",
    "rank_participants",
    "rank_placements",
    "score_matrix",
    "sum_contributions",
    "top_k",
    "why_not",
]
