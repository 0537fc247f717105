"""Ranking both ways, with explanations, and "why not this placement?".

Tie-break (documented, deterministic): score descending, then id ascending (placement
id in :func:`rank_placements`, participant id in :func:`rank_participants`). Scores are
added in a fixed factor order, so equal inputs give bit-equal scores and the same
ranking whatever order the inputs came in.

Ineligible pairs (the type's rules, a full placement or department, not open on
``as_of``) are never ranked; ``candidate_count`` counts the eligible pairs considered and
``excluded_count`` the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np

from matcher.compiled import CompiledPlacements
from matcher.domain import Participant
from matcher.eligibility import (
    DEFAULT_BOOK_AHEAD_DAYS,
    Exclusion,
    placement_exclusions,
    rule_exclusions,
)
from matcher.features import Scorer, credit_vector, pair_features, sum_contributions
from matcher.placement_features import placement_features
from matcher.policy import FACTORS, Policy
from matcher.reasons import Reason, explain
from matcher.scorer import PolicyScorer


@dataclass(frozen=True, slots=True)
class RankedItem:
    """One suggestion. ``subject_id`` is a placement id (``kind="placement"``, from
    :func:`rank_placements`) or a participant id (``kind="participant"``, from
    :func:`rank_participants`); the properties ``placement_id``/``participant_id`` read
    it and raise ``AttributeError`` for the other kind.
    """

    subject_id: int
    rank: int  # 1 = first
    score: float
    contributions: dict[str, float]  # over FACTORS; adds up to score
    reasons: list[Reason]
    kind: Literal["placement", "participant"] = "placement"

    @property
    def placement_id(self) -> int:
        if self.kind != "placement":
            raise AttributeError("a participant ranking's items carry participant_id")
        return self.subject_id

    @property
    def participant_id(self) -> int:
        if self.kind != "participant":
            raise AttributeError("a placement ranking's items carry placement_id")
        return self.subject_id


@dataclass(frozen=True, slots=True)
class Ranking:
    items: list[RankedItem]
    candidate_count: int  # eligible pairs considered
    excluded_count: int  # pairs never ranked because ineligible or full
    policy_version: str = ""
    as_of: date | None = None
    kind: Literal["placement", "participant"] = field(default="placement")


def top_k(scores: np.ndarray, ids: np.ndarray, eligible: np.ndarray, k: int) -> np.ndarray:
    """Positions of the best ``k`` eligible entries: score descending, then id ascending."""
    candidates = np.flatnonzero(eligible)
    if k <= 0 or len(candidates) == 0:
        return candidates[:0]
    candidate_scores = scores[candidates]
    if len(candidates) > k:
        # Keep everything at least as good as the k-th best, so ties at the cut are all
        # present before the id tie-break chooses among them.
        kth = -np.partition(-candidate_scores, k - 1)[k - 1]
        keep = candidate_scores >= kth
        candidates, candidate_scores = candidates[keep], candidate_scores[keep]
    order = np.lexsort((ids[candidates], -candidate_scores))
    return candidates[order[:k]]


def _contributions(scorer: Scorer, X: np.ndarray) -> np.ndarray:
    return np.asarray(scorer.contributions(X), dtype=np.float64)


def _scores(scorer: Scorer, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Scores, and the contributions of every row unless the scorer is the policy's.

    For :class:`PolicyScorer` itself the contributions are ``X * weights``: the scores
    are formed column by column (the same products, added in the same order as
    :func:`sum_contributions`, so bit-equal) and contributions are computed for the
    shown rows only. This skips re-validating features the engine just built.
    """
    if type(scorer) is not PolicyScorer:
        contributions = _contributions(scorer, X)
        return sum_contributions(contributions), contributions
    weights = scorer.weights
    score = X[:, 0] * weights[0]
    product = np.empty_like(score)
    for j in range(1, X.shape[1]):
        np.multiply(X[:, j], weights[j], out=product)
        score += product
    return score, None


def _row_contributions(weights, X, contributions, position: int) -> dict[str, float]:
    row = X[position] * weights if contributions is None else contributions[position]
    return dict(zip(FACTORS, row.tolist(), strict=True))


def _price(prices, position: int) -> float | None:
    return None if prices is None else float(prices[position])


def rank_placements(
    participant: Participant,
    compiled: CompiledPlacements,
    scorer: Scorer,
    *,
    k: int = 10,
    as_of: date,
    policy: Policy,
    prices: np.ndarray | None = None,
) -> Ranking:
    """A participant's top-``k`` eligible placements, explained.

    ``prices`` (one per compiled placement, the planner's opportunity costs) enter the
    scarcity factor as ``-w_scarcity * price``.
    """
    features = pair_features(participant, compiled, as_of, policy, prices=prices)
    scores, contributions = _scores(scorer, features.X)
    best = top_k(scores, compiled.ids, features.eligible, k)
    candidate_count = int(np.count_nonzero(features.eligible))
    credit = credit_vector(participant, compiled, policy)
    weights = scorer.weights if contributions is None else None
    items = [
        RankedItem(
            subject_id=int(compiled.ids[position]),
            rank=rank,
            score=float(scores[position]),
            contributions=_row_contributions(weights, features.X, contributions, position),
            reasons=explain(
                participant,
                compiled.placements[position],
                compiled,
                policy,
                _price(prices, position),
                credit,
            ),
        )
        for rank, position in enumerate(best.tolist(), start=1)
    ]
    return Ranking(
        items=items,
        candidate_count=candidate_count,
        excluded_count=len(compiled) - candidate_count,
        policy_version=policy.version,
        as_of=as_of,
    )


def rank_participants(
    placement_id: int,
    participants: Sequence[Participant],
    compiled: CompiledPlacements,
    scorer: Scorer,
    *,
    k: int = 10,
    as_of: date,
    policy: Policy,
    prices: np.ndarray | None = None,
) -> Ranking:
    """A placement's top-``k`` eligible participants (items have ``kind="participant"``).

    ``KeyError`` when the placement is not compiled; ``ValueError`` on duplicate
    participant ids.
    """
    position = compiled.index_of(placement_id)
    ids = np.fromiter((p.id for p in participants), dtype=np.int64, count=len(participants))
    if len(np.unique(ids)) != len(ids):
        raise ValueError("duplicate participant id")
    features = placement_features(
        placement_id, participants, compiled, as_of, policy, prices=prices
    )
    X, eligible = features.X, features.eligible
    scores, contributions = _scores(scorer, X)
    weights = scorer.weights if contributions is None else None
    best = top_k(scores, ids, eligible, k)
    placement = compiled.placements[position]
    candidate_count = int(np.count_nonzero(eligible))
    items = [
        RankedItem(
            subject_id=int(ids[i]),
            rank=rank,
            score=float(scores[i]),
            contributions=_row_contributions(weights, X, contributions, i),
            reasons=explain(participants[i], placement, compiled, policy, _price(prices, position)),
            kind="participant",
        )
        for rank, i in enumerate(best.tolist(), start=1)
    ]
    return Ranking(
        items=items,
        candidate_count=candidate_count,
        excluded_count=len(participants) - candidate_count,
        policy_version=policy.version,
        as_of=as_of,
        kind="participant",
    )


def why_not(
    participant: Participant,
    placement_id: int,
    compiled: CompiledPlacements,
    *,
    as_of: date,
    policy: Policy | None = None,
) -> list[Exclusion]:
    """Every exclusion that keeps this pair out of the suggestions; [] when eligible.

    Type rules come first, then ``placement_full``, ``department_quota_full``,
    ``not_open``. A pair that is eligible but ranked low gets [] here: its scores are in
    the ranking's contributions. Eligibility reads one threshold of ``policy``,
    ``book_ahead_days`` (without a policy, the default policy's).
    """
    placement = compiled.placements[compiled.index_of(placement_id)]
    rules = compiled.types[placement.type_code].rules
    ahead = DEFAULT_BOOK_AHEAD_DAYS if policy is None else policy.book_ahead_days
    return [
        *rule_exclusions(rules, participant, as_of),
        *placement_exclusions(placement, compiled.capacity_of(placement), as_of, ahead),
    ]
