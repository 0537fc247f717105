"""Off-policy estimates of a candidate scorer's success rate from logged decisions.

A logged decision ``i`` has a reward ``r_i`` (1 when the accepted placement succeeded,
0 otherwise), the probability ``p_i`` with which the *logging* policy (the live ranking,
with its exploration) showed the logged action, and the probability ``q_i`` with which
the *target* policy (the candidate scorer) would have shown it. With importance weights
``w_i = q_i / p_i``:

* IPS (inverse propensity scoring): ``V_ips = (1/n) * sum(w_i * r_i)``; unbiased when
  ``p_i > 0`` wherever ``q_i > 0``, but its variance grows with the weights.
* SNIPS (self-normalised IPS): ``V_snips = sum(w_i * r_i) / sum(w_i)``; slightly biased,
  usually much lower variance, and always inside the range of the rewards.
* Kish effective sample size ``ESS = (sum w)^2 / sum(w^2)``: roughly how many logged
  decisions the estimate really rests on. ``n`` when all weights are equal, 1 when one
  decision carries all the weight.
* the same on the rewarded terms ``w_i * r_i`` and the largest term's share of their
  sum: with rare rewards the weights' ESS can be large while the estimate rests on a
  handful of rows (:func:`reward_diagnostics`).

What is an "action" for a ranked list (the position-based assumption). A caseworker sees
a slate of placements and accepts one. We credit the decision's reward to the accepted
placement and the position it was shown at, and assume the outcome does not depend on
the other placements in the list (item-position model, cf. Li et al. 2018, "Offline
evaluation of ranking policies with click models"). Then ``p_i`` is the logging
probability that the accepted placement was shown at that position
(:func:`matcher.exploration.shown_position_propensity`), and a deterministic target
policy has ``q_i`` 1 when it would show the same placement there and 0 otherwise
(:func:`deterministic_target_propensities`). Placements that the logging policy never
shows (outside its explored top-k) have no support, so a target that would put them
first cannot be evaluated from the logs: its weights are 0 there and IPS understates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from matcher.groups import bootstrap_distribution, percentile_interval

__all__ = [
    "DEFAULT_MAX_TERM_SHARE",
    "DEFAULT_MIN_ESS",
    "DEFAULT_MIN_REWARD_ESS",
    "OPEEstimate",
    "deterministic_target_propensities",
    "effective_sample_size",
    "estimate",
    "importance_weights",
    "ips",
    "snips",
]

DEFAULT_MIN_ESS = 100.0
"""Warn below this Kish ESS. With ESS = 100 a success rate near 0.5 has a standard error
near 0.05 (sqrt(0.25 / 100)), about the smallest difference between scorers worth
reporting to a committee; below it the interval is wide and rests on a few decisions."""


DEFAULT_MIN_REWARD_ESS = 25.0
"""Warn when the rewarded terms ``w_i * r_i`` amount to fewer than this many equal ones.
The estimate is their sum, so with an effective 25 terms its relative standard error is
about 1 / sqrt(25) = 20%: beyond that a reported difference is mostly noise. The weights'
ESS alone cannot see this: 10,000 logged lists with 42 rewards have a large weight ESS
and an estimate that rests on 42 rows."""

DEFAULT_MAX_TERM_SHARE = 0.1
"""Warn when one logged decision carries more than this share of the estimate: leaving
that single row out would move the estimate by more than a tenth."""


def reward_diagnostics(weights: np.ndarray, rewards: np.ndarray) -> tuple[float, float | None]:
    """(ESS of the rewarded terms, largest single term's share of their sum).

    The terms are ``t_i = w_i * r_i``, whose mean (IPS) or weighted mean (SNIPS) is the
    estimate. ``ESS_r = (sum t)^2 / sum(t^2)`` counts how many equal terms would give the
    same spread; the share is ``max(t) / sum(t)``. (0, None) when no term is positive.
    """
    terms = np.asarray(weights, dtype=np.float64) * np.asarray(rewards, dtype=np.float64)
    total = float(terms.sum())
    if total <= 0:
        return 0.0, None
    return effective_sample_size(terms), float(terms.max() / total)


def importance_weights(logging_propensities: np.ndarray, target_propensities: np.ndarray):
    """``w = target / logging``, after checking both are probabilities.

    Raises ``ValueError`` naming the rows when a logging propensity is 0 or missing (the
    logged action could not have been shown: the log is corrupt or the wrong propensity
    was stored), or when any propensity lies outside [0, 1].
    """
    p = np.asarray(logging_propensities, dtype=np.float64)
    q = np.asarray(target_propensities, dtype=np.float64)
    if p.shape != q.shape:
        raise ValueError(f"logging {p.shape} and target {q.shape} propensities differ")
    bad = np.flatnonzero(~(p > 0))  # catches NaN too
    if bad.size:
        raise ValueError(
            f"logging propensity is zero or missing in rows {bad[:20].tolist()}"
            + (f" (and {bad.size - 20} more)" if bad.size > 20 else "")
        )
    outside = np.flatnonzero((p > 1) | ~((q >= 0) & (q <= 1)))
    if outside.size:
        raise ValueError(f"propensities outside [0, 1] in rows {outside[:20].tolist()}")
    return q / p


def _rewards(rewards: np.ndarray, n: int) -> np.ndarray:
    r = np.asarray(rewards, dtype=np.float64)
    if r.shape != (n,):
        raise ValueError(f"rewards have shape {r.shape}, expected ({n},)")
    if np.isnan(r).any():
        raise ValueError("rewards must not be NaN (leave out decisions without an outcome)")
    return r


def ips(rewards: np.ndarray, logging_propensities, target_propensities) -> float:
    """IPS estimate ``mean(w * r)`` of the target policy's expected reward."""
    w = importance_weights(logging_propensities, target_propensities).ravel()
    r = _rewards(rewards, w.size)
    return float(np.mean(w * r)) if w.size else float("nan")


def snips(rewards: np.ndarray, logging_propensities, target_propensities) -> float:
    """SNIPS estimate ``sum(w * r) / sum(w)``; NaN when every weight is 0 (no overlap)."""
    w = importance_weights(logging_propensities, target_propensities).ravel()
    r = _rewards(rewards, w.size)
    total = w.sum()
    return float(w @ r / total) if total > 0 else float("nan")


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish effective sample size ``(sum w)^2 / sum(w^2)``; 0 when every weight is 0."""
    w = np.asarray(weights, dtype=np.float64)
    square_sum = float(w @ w)
    return float(w.sum() ** 2 / square_sum) if square_sum > 0 else 0.0


def deterministic_target_propensities(
    target_rank_of_logged_item: np.ndarray,
    k: int = 1,
    *,
    logged_position: np.ndarray | None = None,
) -> np.ndarray:
    """Target propensities of the logged action under a deterministic target scorer.

    Parameters
    ----------
    target_rank_of_logged_item
        Rank (1-based, ``np.inf`` = not ranked) the target scorer gives the placement
        that was accepted in each logged decision.
    k
        Without ``logged_position``: the target "shows" the logged placement when it
        ranks it within its top k (item-level: position inside the top k is assumed not
        to matter; pair it with logging propensities of the placement being *in* the
        shown top k).
    logged_position
        With it (the position-based model): the target shows the logged action only when
        it ranks the placement exactly at the position where it was logged (and within
        the top k); pair it with :func:`matcher.exploration.shown_position_propensity`.

    Returns
    -------
    Float array of 0/1.
    """
    rank = np.asarray(target_rank_of_logged_item, dtype=np.float64)
    if np.isnan(rank).any() or (rank < 1).any():
        raise ValueError("target ranks are 1-based, np.inf for 'not ranked'")
    shown = rank <= k
    if logged_position is not None:
        shown &= rank == np.asarray(logged_position, dtype=np.float64)
    return shown.astype(np.float64)


@dataclass(frozen=True, slots=True)
class OPEEstimate:
    """An off-policy estimate with its percentile bootstrap interval and diagnostics.

    ``value`` is the IPS or SNIPS estimate (``estimator``), ``ess`` the Kish effective
    sample size of the weights, ``max_weight`` the largest importance weight, ``n`` the
    number of logged decisions; ``reward_ess`` and ``largest_term_share`` look at the
    rewarded terms (:func:`reward_diagnostics`), ``rewarded`` counts rows with a positive
    term. ``warning`` is None when the estimate can be trusted by these diagnostics,
    otherwise sentences saying why not. None values are undefined.
    """

    estimator: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    ess: float
    max_weight: float
    n: int
    warning: str | None
    reward_ess: float = 0.0
    largest_term_share: float | None = None
    rewarded: int = 0


def _ips_statistic(n: int):
    def statistic(rows: np.ndarray, counts: np.ndarray) -> np.ndarray:
        return counts @ rows[:, 0] / n

    return statistic


def _snips_statistic(rows: np.ndarray, counts: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (counts @ rows[:, 0]) / (counts @ rows[:, 1])


def estimate(
    rewards: np.ndarray,
    logging_p: np.ndarray,
    target_p: np.ndarray,
    *,
    rng: np.random.Generator,
    estimator: Literal["ips", "snips"] = "snips",
    n_boot: int = 1000,
    alpha: float = 0.05,
    min_ess: float = DEFAULT_MIN_ESS,
    min_reward_ess: float = DEFAULT_MIN_REWARD_ESS,
    max_term_share: float = DEFAULT_MAX_TERM_SHARE,
) -> OPEEstimate:
    """IPS or SNIPS estimate of the target's success rate, with interval and warning.

    The interval resamples logged decisions (pairs of ``w * r`` and ``w``), so for SNIPS
    numerator and denominator move together. ``warning`` is set when ``ESS < min_ess``
    (see :data:`DEFAULT_MIN_ESS`), when no logged decision has positive target
    propensity (nothing to estimate from), when the rewarded terms are worth fewer than
    ``min_reward_ess`` equal ones, or when one term carries more than ``max_term_share``
    of the estimate.
    """
    w = importance_weights(logging_p, target_p).ravel()
    r = _rewards(rewards, w.size)
    n = w.size
    if n == 0:
        raise ValueError("no logged decisions")
    ess = effective_sample_size(w)
    max_weight = float(w.max())
    if estimator not in ("ips", "snips"):
        raise ValueError(f"estimator must be 'ips' or 'snips', got {estimator!r}")
    rows = np.column_stack([w * r, w])
    statistic = _ips_statistic(n) if estimator == "ips" else _snips_statistic
    value, replicates = bootstrap_distribution(rows, statistic=statistic, n_boot=n_boot, rng=rng)
    low, high = percentile_interval(replicates, alpha)
    reward_ess, share = reward_diagnostics(w, r)
    rewarded = int(np.count_nonzero(w * r > 0))
    warnings = []
    if w.sum() == 0:
        warnings.append("no logged decision is one the target policy would take: no overlap")
    elif ess < min_ess:
        warnings.append(
            f"effective sample size {ess:.1f} is below {min_ess:g} "
            f"(of {n} decisions; largest weight {max_weight:.3g}): too few to trust"
        )
    if w.sum() > 0 and reward_ess < min_reward_ess:
        warnings.append(
            f"the estimate rests on {rewarded} rewarded decisions, worth {reward_ess:.1f} "
            f"equal ones (below {min_reward_ess:g}): too few to trust"
        )
    if share is not None and share > max_term_share:
        warnings.append(
            f"one logged decision carries {share:.0%} of the estimate "
            f"(more than {max_term_share:.0%}): leaving it out would move it that much"
        )
    value_or_none = None if np.isnan(value) else value
    return OPEEstimate(
        estimator, value_or_none, low, high, ess, max_weight, n,
        "; ".join(warnings) if warnings else None, reward_ess, share, rewarded,
    )  # fmt: skip
