"""Optional exploration: a small logged randomisation of the order within the top k.

Why. A replay can only judge a new scorer on the decisions the old one made possible:
the placement the old scorer showed first is accepted more often partly *because* it was
first. Shuffling the top k now and then, and logging how likely each shown order was,
lets :mod:`matcher.ope` correct for that position effect later without bias.

Scheme (epsilon-greedy over permutations of the top k). Let ``m = min(k, n_items)``.
With probability ``1 - epsilon`` the deterministic order is shown unchanged; with
probability ``epsilon`` the first ``m`` entries are replaced by a uniformly random
permutation of themselves (positions after ``m`` never move). The propensities are then
exact and cheap:

* placement at deterministic position ``d <= m`` is shown at position ``s <= m`` with
  probability ``(1 - epsilon) * [s == d] + epsilon / m``;
* a placement at ``d > m`` stays there with probability 1;
* the whole shown list has probability ``(1 - epsilon) * [list == deterministic] +
  epsilon / m!``.

Off by default: ``epsilon = 0`` returns the deterministic order with propensities 1 and
draws nothing from the generator.

Cost. Exploration shows a worse order ``epsilon`` of the time. Since a uniform permutation
puts every top-m placement at every top-m position with probability ``1/m``, the
expected DCG of the shown list is ``(1 - epsilon) * DCG(deterministic) + epsilon *
mean(gain[:m]) * sum(discount[:m]) + (tail, unchanged)``, which
:func:`expected_ndcg_cost` evaluates exactly. Example: when the scorer's first
suggestion is the one the caseworker would accept (gain 1 at position 1, 0 elsewhere),
k = 5 and epsilon = 0.1, NDCG drops on average by

>>> round(expected_ndcg_cost([1, 0, 0, 0, 0, 0, 0, 0], epsilon=0.1, k=5), 4)
0.041

and hit@1 by ``epsilon * (1 - 1/m) = 0.08``. With graded gains the loss is smaller
because the shuffled placements are also good:

>>> round(expected_ndcg_cost([3, 2, 2, 1, 1, 0], epsilon=0.1, k=5), 4)
0.0127
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ExploredList",
    "expected_ndcg_cost",
    "explore_top_k",
    "shown_position_propensity",
]


@dataclass(frozen=True, slots=True)
class ExploredList:
    """The order to show and the propensities to log with it.

    ``order`` holds the ids in shown order. ``position_propensities[j]`` is the
    probability that the placement shown at position ``j + 1`` is shown there (what
    :mod:`matcher.ope` needs for the accepted placement). ``list_propensity`` is the
    probability of the whole shown order. ``explored`` says whether the order was
    shuffled on this draw (for audit only: the estimators use the propensities).
    """

    order: tuple[int, ...]
    position_propensities: tuple[float, ...]
    list_propensity: float
    explored: bool
    epsilon: float
    k: int


def _check(epsilon: float, k: int) -> None:
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must lie in [0, 1], got {epsilon!r}")
    if int(k) != k or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")


def explore_top_k(
    ranked_ids: Sequence[int] | np.ndarray,
    *,
    k: int,
    epsilon: float = 0.0,
    rng: np.random.Generator | None = None,
) -> ExploredList:
    """Maybe shuffle the top ``k`` of a ranked list; return the order and its propensities.

    Parameters
    ----------
    ranked_ids
        Placement ids in the scorer's deterministic order (best first).
    k
        How many leading positions may be shuffled.
    epsilon
        Probability of shuffling on this call; 0 (default) switches exploration off.
    rng
        Required when ``epsilon > 0``; one draw decides whether to shuffle, and a
        shuffle draws one permutation.
    """
    _check(epsilon, k)
    ids = [int(i) for i in ranked_ids]
    if len(set(ids)) != len(ids):
        raise ValueError("ranked_ids must not repeat a placement")
    m = min(k, len(ids))
    explored = False
    order = ids
    if epsilon > 0 and m > 1:
        if rng is None:
            raise ValueError("exploration (epsilon > 0) needs a seeded rng")
        if rng.random() < epsilon:
            explored = True
            order = [ids[j] for j in rng.permutation(m)] + ids[m:]
    deterministic_position = {pid: j for j, pid in enumerate(ids)}
    shown = np.arange(len(order))
    position_propensities = shown_position_propensity(
        np.array([deterministic_position[pid] for pid in order], dtype=np.int64) + 1,
        shown + 1,
        epsilon=epsilon,
        k=k,
        n_items=len(ids),
    )
    same = order == ids
    # m <= 1 cannot be shuffled: every order equals the deterministic one.
    list_propensity = 1.0 if m <= 1 else (1 - epsilon) * same + epsilon / math.factorial(m)
    return ExploredList(
        order=tuple(order),
        position_propensities=tuple(float(p) for p in position_propensities),
        list_propensity=float(list_propensity),
        explored=explored,
        epsilon=float(epsilon),
        k=int(k),
    )


def shown_position_propensity(
    deterministic_position: np.ndarray,
    shown_position: np.ndarray,
    *,
    epsilon: float,
    k: int,
    n_items: np.ndarray | int,
) -> np.ndarray:
    """Probability that the placement at ``deterministic_position`` is shown at ``shown_position``.

    Vectorised over decisions; positions are 1-based, ``n_items`` is the list length of
    each decision. Zero when the scheme cannot move the placement there.
    """
    _check(epsilon, k)
    d = np.asarray(deterministic_position, dtype=np.float64)
    s = np.asarray(shown_position, dtype=np.float64)
    m = np.minimum(k, np.asarray(n_items, dtype=np.float64))
    same = (s == d).astype(np.float64)
    inside = (d <= m) & (s <= m)
    # A one-item "top" cannot move, so the shuffle leaves it in place.
    shuffled = np.where(m > 1, (1 - epsilon) * same + epsilon / np.maximum(m, 1), same)
    return np.where(inside, shuffled, np.where(d > m, same, 0.0))


def expected_ndcg_cost(
    gains_in_ranked_order: Sequence[float] | np.ndarray,
    *,
    epsilon: float,
    k: int,
    cutoff: int | None = None,
) -> float | np.ndarray:
    """Expected loss in NDCG@cutoff from exploring, versus showing the deterministic order.

    Parameters
    ----------
    gains_in_ranked_order
        Gain (relevance, or the scorer's own score as a proxy) of each placement in the
        deterministic order; 2-D for many decisions at once.
    epsilon, k
        The exploration settings.
    cutoff
        NDCG cut-off; ``None`` scores the whole list.

    Returns
    -------
    ``NDCG(deterministic) - E[NDCG(shown)] = epsilon * (DCG_det - DCG_shuffled) / IDCG``,
    a float for a 1-D input, else one value per row; 0 where the ideal DCG is 0.
    """
    _check(epsilon, k)
    gains = np.asarray(gains_in_ranked_order, dtype=np.float64)
    one_row = gains.ndim == 1
    gains = np.atleast_2d(gains)
    n_cols = gains.shape[1]
    discount = 1.0 / np.log2(np.arange(n_cols) + 2.0)
    if cutoff is not None:
        discount[cutoff:] = 0.0
    m = min(k, n_cols)
    if m == 0:
        return 0.0 if one_row else np.zeros(gains.shape[0])
    dcg = gains @ discount
    shuffled = gains[:, :m].mean(axis=1) * discount[:m].sum() + gains[:, m:] @ discount[m:]
    ideal = -np.sort(-gains, axis=1) @ discount
    with np.errstate(invalid="ignore", divide="ignore"):
        cost = np.where(ideal > 0, epsilon * (dcg - shuffled) / ideal, 0.0)
    return float(cost[0]) if one_row else cost
