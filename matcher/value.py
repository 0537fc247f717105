"""The ranking value: predicted probability of success plus the policy's adjustments.

Units, once:

* the **prediction** is the log-odds that the placement succeeds, from the scorer (the
  hand policy, calibrated or not, or a learned model); its per-factor contributions and
  its intercept add up to it;
* a learned model with department effects adds the placement's department effect to
  the log-odds (``departments``: one department id per row), shown as the
  ``department`` contribution;
* the **probability** is ``1 / (1 + exp(-log_odds))``;
* the **adjustments** (priority, capacity, scarcity) are the municipality's policy, in
  probability points: ``policy weight * feature``, never from the scorer, so a learned
  model can never switch them off;
* the **ranking value** is ``probability + sum(adjustments)``, in expected successful
  placements (plus policy points). Scarcity prices therefore come in the same unit: one
  number per compiled placement, the expected successes the cohort loses elsewhere when
  this placement is used (``check_prices``).

Sums are formed column by column in a fixed order, so equal inputs give bit-equal values
whatever their row position and ties break the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy.special import expit

from matcher.compiled import CompiledPlacements
from matcher.domain import Participant
from matcher.factor_registry import ADJUSTMENTS, N_PREDICTORS, PREDICTORS
from matcher.features import Scorer, pair_features, predictors, sum_contributions
from matcher.policy import Policy


@dataclass(frozen=True, slots=True)
class Valued:
    """Per row: the predicted log-odds and probability, the adjustments' sum, the value."""

    log_odds: np.ndarray
    probability: np.ndarray
    adjustment: np.ndarray
    value: np.ndarray


def _linear(scorer: Scorer, width: int):
    coefficients = getattr(scorer, "coefficients", None)
    return None if coefficients is None else coefficients(width)


def log_odds(scorer: Scorer, X: np.ndarray) -> np.ndarray:
    """The scorer's log-odds of each row of a full feature matrix (prediction columns).

    A linear scorer (``coefficients()``: the policy, a learned model) is summed column
    by column here, bit-equal to its ``decision_function``, without re-validating the
    features the engine just built.
    """
    Xp = predictors(X)
    linear = _linear(scorer, Xp.shape[-1])
    if linear is None:
        return np.asarray(scorer.decision_function(Xp), dtype=np.float64)
    intercept, coef = linear
    total = Xp[..., 0] * coef[0]
    for j in range(1, Xp.shape[-1]):
        total += Xp[..., j] * coef[j]
    return intercept + total


def department_offsets(scorer: Scorer, departments) -> np.ndarray | None:
    """Per-row department effects of a learned model (log-odds), None without any."""
    if departments is None or not getattr(scorer, "department_effect_", None):
        return None
    return scorer.department_offsets(np.asarray(departments))


def adjustments(X: np.ndarray, policy: Policy) -> np.ndarray:
    """Per-row adjustment contributions (probability points), ADJUSTMENTS order."""
    return X[..., N_PREDICTORS:] * policy.adjustment_weights


def values(scorer: Scorer, X: np.ndarray, policy: Policy, departments=None) -> Valued:
    """Log-odds, probability, adjustments and ranking value of each row of ``X``."""
    z = log_odds(scorer, X)
    offsets = department_offsets(scorer, departments)
    if offsets is not None:
        z = z + offsets
    probability = expit(z)
    adjustment = sum_contributions(adjustments(X, policy))
    return Valued(z, probability, adjustment, probability + adjustment)


def prediction_contributions(scorer: Scorer, X: np.ndarray) -> np.ndarray:
    """Per-row log-odds contributions of the prediction factors (PREDICTORS order)."""
    Xp = predictors(X)
    linear = _linear(scorer, Xp.shape[-1])
    if linear is None:
        return np.asarray(scorer.contributions(Xp), dtype=np.float64)
    return Xp * linear[1]


def baseline(scorer: Scorer) -> float:
    """The log-odds every pair starts from (the scorer's intercept)."""
    value = getattr(scorer, "baseline", None)
    if value is None:
        value = getattr(scorer, "intercept_", 0.0)
    return float(value)


def calibration_n(scorer: Scorer) -> int:
    """How many logged outcomes the scorer's probabilities rest on (0: a prior)."""
    return int(getattr(scorer, "calibration_n", 0) or 0)


def explained_row(
    scorer: Scorer, X: np.ndarray, policy: Policy, position: int, department: int | None = None
):
    """(contributions, adjustments) of one row as dicts by factor name; a learned model's
    department effect is the contribution ``department``."""
    row = X[position : position + 1]
    contributions = dict(
        zip(PREDICTORS, prediction_contributions(scorer, row)[0].tolist(), strict=True)
    )
    offsets = department_offsets(scorer, None if department is None else [department])
    if offsets is not None:
        contributions["department"] = float(offsets[0])
    adjusted = adjustments(row, policy)[0].tolist()
    return contributions, dict(zip(ADJUSTMENTS, adjusted, strict=True))


def score_matrix(
    participants: Sequence[Participant],
    compiled: CompiledPlacements,
    scorer: Scorer,
    as_of: date,
    policy: Policy,
    prices: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Ranking values (n_p, n_pl) float32 and eligibility (n_p, n_pl) bool.

    Values of ineligible pairs are computed too (the planner masks them with ``eligible``).
    """
    scores = np.empty((len(participants), len(compiled)), dtype=np.float32)
    eligible = np.empty((len(participants), len(compiled)), dtype=bool)
    for i, participant in enumerate(participants):
        pf = pair_features(participant, compiled, as_of, policy, prices=prices)
        scores[i] = values(scorer, pf.X, policy, compiled.department_ids).value
        eligible[i] = pf.eligible
    return scores, eligible


def probability_matrix(
    participants: Sequence[Participant],
    compiled: CompiledPlacements,
    scorer: Scorer,
    as_of: date,
    policy: Policy,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predicted P(success), adjustments without scarcity, and eligibility, (n_p, n_pl) each:
    what a cohort plan that maximises expected successes (plus adjustments) needs."""
    shape = (len(participants), len(compiled))
    probability = np.empty(shape, dtype=np.float64)
    adjustment = np.empty(shape, dtype=np.float64)
    eligible = np.empty(shape, dtype=bool)
    for i, participant in enumerate(participants):
        pf = pair_features(participant, compiled, as_of, policy)
        v = values(scorer, pf.X, policy, compiled.department_ids)
        probability[i], adjustment[i], eligible[i] = v.probability, v.adjustment, pf.eligible
    return probability, adjustment, eligible
