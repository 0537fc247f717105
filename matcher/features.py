"""Vectorised factor features: one participant against every compiled placement at once.

``pair_features(...).X[i, j]`` is feature ``FACTORS[j]`` of the participant and placement
``i``, exactly as :mod:`matcher.factors` defines it for one pair; the columns come from
the registry (:mod:`matcher.factor_registry`), each factor's vectorised form or, without
one, its pair definition. The first ``N_PREDICTORS`` columns are the prediction's, the
rest the policy adjustments'. :mod:`matcher.value` turns features into the ranking value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np

from matcher.compiled import CompiledPlacements
from matcher.domain import Participant
from matcher.eligibility import rules_allow
from matcher.factor_columns import PlacementsSide
from matcher.factor_registry import FACTORS, N_PREDICTORS, REGISTRY
from matcher.factors import Pair, language_tolerance, required_supervision
from matcher.language import MAX_LEVEL
from matcher.policy import Policy

N_FACTORS = len(FACTORS)
COLUMN = {name: j for j, name in enumerate(FACTORS)}


class Scorer(Protocol):
    """What the engine needs of a scorer: log-odds contributions of the prediction columns
    (``X[:, :N_PREDICTORS]``) and the log-odds they sum to with the intercept."""

    def contributions(self, X: np.ndarray) -> np.ndarray: ...

    def decision_function(self, X: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class PairFeatures:
    """Features and eligibility of one participant (X: n_placements x n_factors, eligible:
    n_placements) or, from :func:`feature_matrix`, of many (X: n_participants x
    n_placements x n_factors, eligible: n_participants x n_placements).

    ``eligible`` is False for a pair the type's rules or the hard pair rules (hours,
    language, supervision) exclude, for a full placement or department, or a placement
    not open on ``as_of``.
    """

    X: np.ndarray
    eligible: np.ndarray


def sum_contributions(contributions: np.ndarray) -> np.ndarray:
    """The contributions added column by column in FACTORS order.

    Adding in a fixed order (not a BLAS dot product) makes a pair's sum the same float
    whatever its row position, so shuffling inputs can never reorder ties, and it equals
    ``sum(contributions_dict.values())`` in Python.
    """
    score = contributions[..., 0].copy()
    for j in range(1, contributions.shape[-1]):
        score += contributions[..., j]
    return score


def check_prices(prices: np.ndarray | None, compiled: CompiledPlacements) -> np.ndarray | None:
    """The scarcity prices: one finite number per compiled placement, in probability points."""
    if prices is None:
        return None
    prices = np.asarray(prices, dtype=np.float64)
    if prices.shape != (len(compiled),) or not np.all(np.isfinite(prices)):
        raise ValueError(f"prices must be {len(compiled)} finite numbers, one per placement")
    return prices


def type_allowed(participant: Participant, compiled: CompiledPlacements, as_of: date) -> np.ndarray:
    """Per distinct type code: do its rules admit the participant? (bool, small)."""
    return np.array(
        [
            rules_allow(compiled.types[code].rules, participant, as_of)
            for code in compiled.type_codes
        ],
        dtype=bool,
    )


def pair_rules_mask(
    participant: Participant, compiled: CompiledPlacements, policy: Policy, rows=slice(None)
) -> np.ndarray:
    """The hard pair rules of :func:`matcher.eligibility.pair_exclusions`, vectorised."""
    hours_ok = compiled.lowest_hours[rows] <= participant.max_hours
    level = participant.language_level
    language_ok = np.array(
        [
            minimum - level <= language_tolerance(bool(practice), policy)
            for minimum in range(MAX_LEVEL + 1)
            for practice in (0, 1)
        ]
    )[compiled.language_code[rows]]
    needed = required_supervision(participant.support_need, policy)
    supervision_ok = compiled.supervision[rows] >= needed - policy.support.max_missing_steps
    return hours_ok & language_ok & supervision_ok


def eligible_mask(
    participant: Participant,
    compiled: CompiledPlacements,
    as_of: date,
    rows: np.ndarray | slice = slice(None),
    *,
    book_ahead_days: int,
    policy: Policy | None = None,
) -> np.ndarray:
    """Eligibility of the participant for each placement (type rules, room, open on
    ``as_of`` counting ``book_ahead_days`` before the start, and with ``policy`` the hard
    pair rules)."""
    allowed = type_allowed(participant, compiled, as_of)
    open_rows = compiled.room_and_open(as_of, book_ahead_days)[rows]
    mask = allowed[compiled.type_index[rows]] & open_rows
    if policy is not None:
        mask &= pair_rules_mask(participant, compiled, policy, rows)
    return mask


def credit_vector(participant: Participant, compiled: CompiledPlacements, policy: Policy):
    """The participant's best credit towards every taxonomy concept (see matcher.taxonomy)."""
    return compiled.taxonomy.credit_vector(
        participant.skills,
        broader_credit=policy.skills.broader_credit,
        sibling_credit=policy.skills.sibling_credit,
    )


def _by_definition(factor, side: PlacementsSide) -> np.ndarray:
    """A factor without a vectorised form: its pair definition, placement by placement."""
    c = side.compiled
    positions = range(len(c)) if isinstance(side.rows, slice) else side.rows.tolist()
    values = []
    for position in positions:
        placement = c.placements[position]
        price = None if side.prices is None else float(side.prices[position])
        pair = Pair(
            side.participant, placement, c.taxonomy, c.capacity_of(placement), side.policy, price
        )
        values.append(factor.pair(pair))
    return np.asarray(values, dtype=np.float64)


def pair_features(
    participant: Participant,
    compiled: CompiledPlacements,
    as_of: date,
    policy: Policy,
    *,
    prices: np.ndarray | None = None,
    rows: np.ndarray | slice = slice(None),
) -> PairFeatures:
    """Features of one participant against the compiled placements (or a subset ``rows``).

    The columns follow :data:`FACTORS`; ``prices`` (one per compiled placement, in
    probability points) fill the scarcity column with ``-price``; without them it is 0.
    """
    prices = check_prices(prices, compiled)
    credit = credit_vector(participant, compiled, policy)
    side = PlacementsSide(participant, compiled, policy, rows, prices, credit)
    X = np.empty((side.n, N_FACTORS), dtype=np.float64, order="F")
    for j, factor in enumerate(REGISTRY):
        vectorised = factor.over_placements
        X[:, j] = _by_definition(factor, side) if vectorised is None else vectorised(side)
    eligible = eligible_mask(
        participant, compiled, as_of, rows, book_ahead_days=policy.book_ahead_days, policy=policy
    )
    return PairFeatures(X=X, eligible=eligible)


def feature_matrix(
    participants: Sequence[Participant],
    compiled: CompiledPlacements,
    as_of: date,
    policy: Policy,
    *,
    prices: np.ndarray | None = None,
) -> PairFeatures:
    """Features of many participants: X (n_p, n_pl, n_factors) float64, eligible (n_p, n_pl)."""
    X = np.empty((len(participants), len(compiled), N_FACTORS), dtype=np.float64)
    eligible = np.empty((len(participants), len(compiled)), dtype=bool)
    for i, participant in enumerate(participants):
        pf = pair_features(participant, compiled, as_of, policy, prices=prices)
        X[i] = pf.X
        eligible[i] = pf.eligible
    return PairFeatures(X=X, eligible=eligible)


def predictors(X: np.ndarray) -> np.ndarray:
    """The prediction columns of a feature matrix (what a scorer sees)."""
    return X[..., :N_PREDICTORS]
