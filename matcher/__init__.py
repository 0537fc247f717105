"""Platsa's scoring engine: ranked, explained, eligibility-aware suggestions.

Pure numpy/scipy/scikit-learn: no database, no HTTP, no global random state, so the
API, the cohort planner and the replay all call the same code. Typical use::

    policy = load_policy()
    compiled = CompiledPlacements.build(placements, Taxonomy(concepts), types, capacities)
    ranking = rank_placements(participant, compiled, PolicyScorer.from_policy(policy),
                              k=10, as_of=date.today(), policy=policy)

A suggestion's value is the predicted probability of success (the log-odds from the
prediction factors, :data:`PREDICTORS`) plus the municipality's adjustments
(:data:`ADJUSTMENTS`, probability points); see :mod:`matcher.value` for the units,
:mod:`matcher.factor_registry` for the factors, :mod:`matcher.calibration` for what
success means and ``matcher/policies/default.toml`` for every weight and threshold.

The names below load on first use (PEP 562), so importing one light submodule (for
example :mod:`matcher.language` from a table definition) does not pull in scipy and
scikit-learn; ``from matcher import X`` works as before. Add an export by adding it to
:data:`_EXPORTS`.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "CompiledPlacements": "matcher.compiled",
    "RULES": "matcher.eligibility",
    "Exclusion": "matcher.eligibility",
    "PairFeatures": "matcher.features",
    "feature_matrix": "matcher.features",
    "pair_features": "matcher.features",
    "score_matrix": "matcher.value",
    "values": "matcher.value",
    "sum_contributions": "matcher.features",
    "placement_features": "matcher.placement_features",
    "DEFAULT_POLICY_PATH": "matcher.policy",
    "FACTORS": "matcher.factor_registry",
    "PREDICTORS": "matcher.factor_registry",
    "ADJUSTMENTS": "matcher.factor_registry",
    "REGISTRY": "matcher.factor_registry",
    "Factor": "matcher.factor_registry",
    "Policy": "matcher.policy",
    "load_policy": "matcher.policy",
    "policy_from_mapping": "matcher.policy",
    "RankedItem": "matcher.ranking",
    "Ranking": "matcher.ranking",
    "rank_participants": "matcher.ranking",
    "rank_placements": "matcher.ranking",
    "explain": "matcher.ranking",
    "top_k": "matcher.ranking",
    "why_not": "matcher.ranking",
    "Reason": "matcher.reasons",
    "PolicyScorer": "matcher.scorer",
    "Taxonomy": "matcher.taxonomy",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'matcher' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
