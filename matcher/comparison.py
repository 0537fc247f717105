"""Is the candidate better than the scorer in use? Paired on the same held-out decisions.

Both scorers are judged on exactly the same rows, and every interval is a **paired**
bootstrap: each resample draws the rows once and recomputes the metric for both scorers
on that draw, so the interval of the difference carries only the uncertainty of the
difference (the rows both scorers find hard are hard in every resample for both).

Three kinds of rows, each resampled on its own:

* **outcomes**: held-out accepted decisions with a known outcome; each scorer gives a
  score and a probability of success. AUC (a random success scored above a random
  failure; ties count 1/2), log-loss (mean -log p of what happened), Brier (mean squared
  error of p) and calibration error (expected calibration error over ten equal-width
  probability bins: the mean gap between predicted and observed rates, weighted by bin
  size);
* **rankings**: held-out accepted decisions; the rank each scorer gives the accepted
  placement. hit@k (share ranked within the top k) and NDCG@k (1 / log2(rank + 1) inside
  the top k, else 0);
* **lists**: logged lists with the reward of the placement shown first; SNIPS, the
  self-normalised importance-weighted success rate each scorer would reach.

Verdict per metric, on the *improvement* (candidate minus in use for metrics where more
is better, in use minus candidate for losses), with a ``1 - alpha`` percentile interval:
``better`` when the interval lies above 0, ``worse`` when below 0, ``not distinguishable``
when it contains 0, ``not measured`` when a side has no rows. The overall rule
(:func:`overall_verdict`): ``better`` when some metric is better and none is worse;
``worse`` when some is worse and none is better; ``mixed`` when some are better and some
worse (the verdict names them: which matters is a judgement for people); otherwise
``not distinguishable``. Seven intervals at 95% are seven chances of a false alarm; read a
single ``better`` among many ``not distinguishable`` with that in mind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from matcher.groups import percentile_interval
from matcher.metrics import hit_at_k, ndcg_from_ranks
from matcher.outcome_metrics import rank_auc_statistic

__all__ = [
    "MetricComparison",
    "OUTCOME_METRICS",
    "calibration_bins",
    "compare",
    "overall_verdict",
]

CALIBRATION_BINS = 10
EPS = 1e-15  # probabilities are clipped to [EPS, 1 - EPS] for the log-loss, as sklearn does
OUTCOME_METRICS = ("auc", "log_loss", "brier", "calibration_error")
LOSSES = {"log_loss", "brier", "calibration_error"}


@dataclass(frozen=True, slots=True)
class MetricComparison:
    """One metric for both scorers on the same rows, and the paired interval of the gain.

    ``improvement`` is oriented so that positive favours the candidate (see the module
    docstring); ``ci_low``/``ci_high`` bound it. None where undefined.
    """

    metric: str
    higher_is_better: bool
    candidate: float | None
    in_use: float | None
    improvement: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    verdict: str


def _draws(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n) bootstrap counts: how often each row is drawn in each resample."""
    return rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64)


def _mean(values: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    return lambda counts: counts @ values / counts.sum(axis=1)


def _auc(score: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    # higher score first: a dense rank of -score, ties kept, is what rank_auc_statistic reads
    rank = np.unique(-score, return_inverse=True)[1].astype(np.float64) + 1.0
    rows = np.column_stack([rank, y])
    return lambda counts: rank_auc_statistic(rows, counts)


def _log_loss(p: np.ndarray, y: np.ndarray):
    p = np.clip(p, EPS, 1 - EPS)
    return _mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _calibration_error(p: np.ndarray, y: np.ndarray):
    bins = np.minimum((p * CALIBRATION_BINS).astype(np.int64), CALIBRATION_BINS - 1)
    residual = np.zeros((p.size, CALIBRATION_BINS))
    residual[np.arange(p.size), bins] = p - y

    def statistic(counts: np.ndarray) -> np.ndarray:
        return np.abs(counts @ residual).sum(axis=1) / counts.sum(axis=1)

    return statistic


def _snips(weighted_reward: np.ndarray, weight: np.ndarray):
    def statistic(counts: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return (counts @ weighted_reward) / (counts @ weight)

    return statistic


def _paired(name, higher, candidate_stat, in_use_stat, n, rng, n_boot, alpha) -> MetricComparison:
    if n == 0:
        return MetricComparison(name, higher, None, None, None, None, None, 0, "not measured")
    ones = np.ones((1, n))
    a, b = float(candidate_stat(ones)[0]), float(in_use_stat(ones)[0])
    counts = _draws(n, n_boot, rng)
    sign = 1.0 if higher else -1.0
    replicates = sign * (candidate_stat(counts) - in_use_stat(counts))
    low, high = percentile_interval(replicates, alpha)
    gain = sign * (a - b)
    if np.isnan(gain) or low is None:
        verdict, gain = "not measured", None
    elif low > 0:
        verdict = "better"
    elif high < 0:
        verdict = "worse"
    else:
        verdict = "not distinguishable"
    none = lambda x: None if np.isnan(x) else x  # noqa: E731
    return MetricComparison(name, higher, none(a), none(b), gain, low, high, n, verdict)


def compare(
    *,
    outcomes: dict | None,
    ranks: tuple[np.ndarray, np.ndarray] | None,
    lists: dict | None,
    k: int,
    rng: np.random.Generator,
    n_boot: int = 1000,
    alpha: float = 0.05,
) -> list[MetricComparison]:
    """Every metric, paired (see the module docstring).

    Parameters
    ----------
    outcomes
        ``{"y": 0/1, "candidate_score", "candidate_p", "in_use_score", "in_use_p"}``, one
        entry per held-out decision with a known outcome.
    ranks
        (candidate ranks, in-use ranks) of the accepted placement per held-out accepted
        decision (1-based, ``inf`` not ranked).
    lists
        ``{"reward", "propensity", "candidate_target", "in_use_target"}`` per logged list:
        the target arrays are 1 where that scorer would show the list's first placement
        first.
    """
    out = []
    if outcomes is not None:
        y = np.asarray(outcomes["y"], dtype=np.float64)
        both = y.size > 0 and 0 < y.sum() < y.size
        cs, cp = (np.asarray(outcomes[f"candidate_{x}"], np.float64) for x in ("score", "p"))
        us, up = (np.asarray(outcomes[f"in_use_{x}"], np.float64) for x in ("score", "p"))
        makers = {
            "auc": lambda s, p: _auc(s, y),
            "log_loss": lambda s, p: _log_loss(p, y),
            "brier": lambda s, p: _mean((p - y) ** 2),
            "calibration_error": lambda s, p: _calibration_error(p, y),
        }
        for name, make in makers.items():
            n = y.size if (both or name != "auc") else 0
            out.append(
                _paired(name, name not in LOSSES, make(cs, cp), make(us, up), n, rng, n_boot, alpha)
            )
    if ranks is not None:
        a, b = (np.asarray(r, dtype=np.float64) for r in ranks)
        for name, per_row in ((f"hit_at_{k}", hit_at_k), (f"ndcg_at_{k}", ndcg_from_ranks)):
            stats = [_mean(per_row(r, k)) for r in (a, b)]
            out.append(_paired(name, True, *stats, a.size, rng, n_boot, alpha))
    if lists is not None:
        r = np.asarray(lists["reward"], dtype=np.float64)
        w = [np.asarray(lists[f"{s}_target"], np.float64) / lists["propensity"]
             for s in ("candidate", "in_use")]  # fmt: skip
        stats = [_snips(wi * r, wi) for wi in w]
        out.append(_paired("snips", True, *stats, r.size, rng, n_boot, alpha))
    return out


def calibration_bins(p: np.ndarray, y: np.ndarray, bins: int = CALIBRATION_BINS) -> dict:
    """The reliability table behind the calibration error: per equal-width bin of predicted
    probability, its decisions ``n``, mean prediction and observed success rate (None in
    an empty bin)."""
    p, y = np.asarray(p, dtype=np.float64), np.asarray(y, dtype=np.float64)
    index = np.minimum((p * bins).astype(np.int64), bins - 1)
    n = np.bincount(index, minlength=bins)
    predicted = np.bincount(index, weights=p, minlength=bins)
    observed = np.bincount(index, weights=y, minlength=bins)
    return {
        "edges": [i / bins for i in range(bins + 1)],
        "n": n.tolist(),
        "predicted": [float(a / c) if c else None for a, c in zip(predicted, n, strict=True)],
        "observed": [float(a / c) if c else None for a, c in zip(observed, n, strict=True)],
    }


def overall_verdict(metrics: list[MetricComparison]) -> dict:
    """The documented rule (module docstring) and the metrics behind it."""
    better = [m.metric for m in metrics if m.verdict == "better"]
    worse = [m.metric for m in metrics if m.verdict == "worse"]
    if better and not worse:
        verdict = "better"
    elif worse and not better:
        verdict = "worse"
    elif better and worse:
        verdict = "mixed"
    else:
        verdict = "not distinguishable"
    return {"verdict": verdict, "better_on": better, "worse_on": worse}
