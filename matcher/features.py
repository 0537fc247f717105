"""Vectorised factor features: one participant against every compiled placement at once.

``pair_features(...).X[i, j]`` is feature ``FACTORS[j]`` of the participant and placement
``i``, exactly as :mod:`matcher.factors` defines it for one pair; a scorer turns features
into contributions (for the hand-weighted policy ``weight * feature``) and the score is
their sum, added in ``FACTORS`` order so every path (vectorised, reference, explanation)
adds the same numbers in the same order.

Small integer-valued inputs (language minimum and practice flag, supervision, work area)
go through look-up tables built per participant with the per-pair functions themselves,
so those factors are equal to the definition by construction; skills are a sparse
matrix-vector product, commute is a vectorised haversine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np

from matcher import factors as f
from matcher.compiled import CompiledPlacements
from matcher.domain import Participant
from matcher.eligibility import rules_allow
from matcher.language import MAX_LEVEL
from matcher.policy import FACTORS, Policy

N_FACTORS = len(FACTORS)
COLUMN = {name: j for j, name in enumerate(FACTORS)}


class Scorer(Protocol):
    """What the engine needs of a scorer (PolicyScorer, or a learned one)."""

    def contributions(self, X: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class PairFeatures:
    """Features and eligibility of one participant (X: n_placements x n_factors, eligible:
    n_placements) or, from :func:`feature_matrix`, of many (X: n_participants x
    n_placements x n_factors, eligible: n_participants x n_placements).

    ``eligible`` is False for a pair the type's rules exclude, for a full placement, a
    full department, or a placement not open on ``as_of``.
    """

    X: np.ndarray
    eligible: np.ndarray


def sum_contributions(contributions: np.ndarray) -> np.ndarray:
    """Scores as the contributions added column by column in FACTORS order.

    Adding in a fixed order (not a BLAS dot product) makes a pair's score the same float
    whatever its row position, so shuffling inputs can never reorder ties, and it equals
    ``sum(contributions_dict.values())`` in Python.
    """
    score = contributions[..., 0].copy()
    for j in range(1, contributions.shape[-1]):
        score += contributions[..., j]
    return score


def check_prices(prices: np.ndarray | None, compiled: CompiledPlacements) -> np.ndarray | None:
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


def eligible_mask(
    participant: Participant,
    compiled: CompiledPlacements,
    as_of: date,
    rows: np.ndarray | slice = slice(None),
    *,
    book_ahead_days: int,
) -> np.ndarray:
    """Eligibility of the participant for each placement (type rules, room, open on
    ``as_of`` counting ``book_ahead_days`` before the start, the policy's horizon)."""
    allowed = type_allowed(participant, compiled, as_of)
    open_rows = compiled.room_and_open(as_of, book_ahead_days)[rows]
    return allowed[compiled.type_index[rows]] & open_rows


def credit_vector(participant: Participant, compiled: CompiledPlacements, policy: Policy):
    """The participant's best credit towards every taxonomy concept (see matcher.taxonomy)."""
    return compiled.taxonomy.credit_vector(
        participant.skills,
        broader_credit=policy.skills.broader_credit,
        sibling_credit=policy.skills.sibling_credit,
    )


def _language_table(participant: Participant, policy: Policy) -> np.ndarray:
    # Indexed by min_level * 2 + language_practice, as compiled.language_code.
    return np.array(
        [
            f.language_feature(participant.language_level, level, bool(practice), policy)
            for level in range(MAX_LEVEL + 1)
            for practice in (0, 1)
        ]
    )


def _interest_table(participant: Participant, compiled: CompiledPlacements, policy: Policy):
    table = np.zeros(len(compiled.areas), dtype=np.float64)
    for area in participant.interests:
        position = compiled.area_position.get(area)
        if position is not None:
            table[position] = f.interest_feature(participant.interests, area, policy)
    return table


def _support_table(participant: Participant, policy: Policy) -> np.ndarray:
    # Indexed by supervision 1..3 (position 0 unused).
    return np.array([f.support_feature(participant.support_need, s, policy) for s in range(4)])


def _skills_denominator(compiled: CompiledPlacements, policy: Policy):
    rw, uw = policy.skills.required_weight, policy.skills.useful_weight

    def compute():
        denominator = rw * compiled.n_required + uw * compiled.n_useful
        empty = denominator == 0
        # Divide by 1 where nothing is listed; those rows get empty_coverage afterwards.
        return np.where(empty, 1.0, denominator), np.flatnonzero(empty)

    return compiled.memo(("skills_denominator", rw, uw), compute)


def _skills_coverage(credit, compiled, policy, rows, out: np.ndarray) -> None:
    rw, uw = policy.skills.required_weight, policy.skills.useful_weight
    denominator, empty = _skills_denominator(compiled, policy)
    if isinstance(rows, slice):
        numerator = compiled.skill_columns.credit_sums(credit, len(compiled), rw, uw)
        np.divide(numerator, denominator, out=out)
        out[empty] = policy.skills.empty_coverage
    else:
        numerator = rw * (compiled.required[rows] @ credit) + uw * (compiled.useful[rows] @ credit)
        np.divide(numerator, denominator[rows], out=out)
        out[np.isin(rows, empty)] = policy.skills.empty_coverage


def _capacity_column(compiled: CompiledPlacements, policy: Policy) -> np.ndarray:
    cap = policy.capacity

    def compute() -> np.ndarray:
        slack = np.minimum(np.maximum(compiled.remaining_slots, 0), cap.slack_cap)
        boost = np.where(compiled.short_of_minimum > 0, cap.below_minimum_boost, 0.0)
        return boost + (cap.slack_bonus * slack / cap.slack_cap)

    key = ("capacity", cap.below_minimum_boost, cap.slack_bonus, cap.slack_cap)
    return compiled.memo(key, compute)


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

    The columns follow :data:`matcher.FACTORS`; see :mod:`matcher.factors` for each
    definition. ``prices`` (one per compiled placement) fill the scarcity column with
    ``-price``; without them it is 0.
    """
    prices = check_prices(prices, compiled)
    n = len(compiled) if isinstance(rows, slice) else len(rows)
    X = np.empty((n, N_FACTORS), dtype=np.float64, order="F")
    credit = credit_vector(participant, compiled, policy)
    _skills_coverage(credit, compiled, policy, rows, out=X[:, COLUMN["skills"]])
    interests = _interest_table(participant, compiled, policy)
    np.take(interests, compiled.area_index[rows], out=X[:, COLUMN["interests"]])
    language = _language_table(participant, policy)
    np.take(language, compiled.language_code[rows], out=X[:, COLUMN["language"]])
    support = _support_table(participant, policy)
    np.take(support, compiled.supervision[rows], out=X[:, COLUMN["support"]])
    X[:, COLUMN["priority"]] = f.priority_feature(
        participant.months_on_assistance, participant.months_since_last_job, policy
    )
    c = policy.commute
    sites = compiled.sites if isinstance(rows, slice) else compiled.sites.take(rows)
    commute = sites.km_from(participant.home_lat, participant.home_lon)
    np.minimum(commute, c.cap_km, out=commute)
    commute -= c.free_km
    np.maximum(commute, 0.0, out=commute)
    commute /= c.km_unit
    if participant.parent:
        commute *= c.parent_multiplier
    np.negative(commute, out=X[:, COLUMN["commute"]])
    hours = X[:, COLUMN["hours"]]
    np.subtract(compiled.hours_per_week[rows], participant.max_hours, out=hours)
    np.maximum(hours, 0.0, out=hours)
    hours /= -policy.hours.hours_unit
    X[:, COLUMN["capacity"]] = _capacity_column(compiled, policy)[rows]
    X[:, COLUMN["scarcity"]] = 0.0 if prices is None else -prices[rows]
    eligible = eligible_mask(
        participant, compiled, as_of, rows, book_ahead_days=policy.book_ahead_days
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
    """Features of many participants: X (n_p, n_pl, n_factors) float64, eligible (n_p, n_pl).

    Memory is ``72 * n_p * n_pl`` bytes; for large cohorts prefer :func:`score_matrix`.
    """
    X = np.empty((len(participants), len(compiled), N_FACTORS), dtype=np.float64)
    eligible = np.empty((len(participants), len(compiled)), dtype=bool)
    for i, participant in enumerate(participants):
        pf = pair_features(participant, compiled, as_of, policy, prices=prices)
        X[i] = pf.X
        eligible[i] = pf.eligible
    return PairFeatures(X=X, eligible=eligible)


def score_matrix(
    participants: Sequence[Participant],
    compiled: CompiledPlacements,
    scorer: Scorer,
    as_of: date,
    policy: Policy,
    prices: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Scores (n_p, n_pl) float32 and eligibility (n_p, n_pl) bool, one participant at a time.

    Scores of ineligible pairs are computed too (the planner masks them with ``eligible``).
    """
    scores = np.empty((len(participants), len(compiled)), dtype=np.float32)
    eligible = np.empty((len(participants), len(compiled)), dtype=bool)
    for i, participant in enumerate(participants):
        pf = pair_features(participant, compiled, as_of, policy, prices=prices)
        scores[i] = sum_contributions(np.asarray(scorer.contributions(pf.X)))
        eligible[i] = pf.eligible
    return scores, eligible
