"""Ranking both ways, with explanations, and "why not this placement?".

The ranking value is the predicted probability of success plus the policy adjustments
(:mod:`matcher.value`). Tie-break (documented, deterministic): value descending, then id
ascending (placement id in :func:`rank_placements`, participant id in
:func:`rank_participants`). Values are added in a fixed factor order, so equal inputs
give bit-equal values and the same ranking whatever order the inputs came in.

Ineligible pairs (the type's rules, the hard pair rules on hours, language and
supervision, a full placement or department, not open on ``as_of``) are never ranked;
``candidate_count`` counts the eligible pairs considered and ``excluded_count`` the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np

from matcher import pruning
from matcher.compiled import CompiledPlacements
from matcher.domain import Participant, Placement
from matcher.eligibility import (
    Exclusion,
    pair_exclusions,
    placement_exclusions,
    rule_exclusions,
)
from matcher.factor_registry import ADJUSTMENTS, PREDICTORS, REGISTRY
from matcher.factors import Pair
from matcher.features import Scorer, check_prices, credit_vector, pair_features
from matcher.item_reasons import item_reasons
from matcher.placement_features import placement_features
from matcher.policy import Policy, load_policy
from matcher.reasons import Reason
from matcher.value import (
    adjustments,
    baseline,
    calibration_n,
    department_offsets,
    explained_row,
    prediction_contributions,
    values,
)


@dataclass(frozen=True, slots=True)
class RankedItem:
    """One suggestion. ``subject_id`` is a placement id (``kind="placement"``, from
    :func:`rank_placements`) or a participant id (``kind="participant"``, from
    :func:`rank_participants`); the properties ``placement_id``/``participant_id`` read
    it and raise ``AttributeError`` for the other kind.
    """

    subject_id: int
    rank: int  # 1 = first
    score: float  # the ranking value: probability + sum(adjustments)
    contributions: dict[str, float]  # log-odds per prediction factor; + baseline = log_odds
    reasons: list[Reason]
    kind: Literal["placement", "participant"] = "placement"
    log_odds: float = 0.0  # predicted log-odds of success
    probability: float = 0.0  # predicted P(success)
    baseline: float = 0.0  # the scorer's intercept (log-odds)
    adjustments: dict[str, float] = field(default_factory=dict)  # probability points
    calibration_n: int = 0  # outcomes the probability rests on (0: the policy's prior)

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


def top_k(scores: np.ndarray, ids: np.ndarray, eligible: np.ndarray | None, k: int) -> np.ndarray:
    """Positions of the best ``k`` eligible entries (None: all are), score descending,
    then id ascending."""
    if eligible is None:
        candidates, candidate_scores = np.arange(len(scores)), scores
    else:
        candidates = np.flatnonzero(eligible)
        candidate_scores = scores[candidates]
    if k <= 0 or len(candidates) == 0:
        return candidates[:0]
    if len(candidates) > k:
        # Keep everything at least as good as the k-th best, so ties at the cut are all
        # present before the id tie-break chooses among them.
        kth = -np.partition(-candidate_scores, k - 1)[k - 1]
        keep = candidate_scores >= kth
        candidates, candidate_scores = candidates[keep], candidate_scores[keep]
    order = np.lexsort((ids[candidates], -candidate_scores))
    return candidates[order[:k]]


#: ranking values this close are a tie (the standing plan's prices are stored to 6 places)
TIE = 1e-6


def prefer(best: np.ndarray, values: np.ndarray, preferred: int | None, k: int) -> np.ndarray:
    """``best`` with ``preferred`` moved ahead of every entry it ties with (within
    :data:`TIE`), when it is eligible and good enough to be in the top ``k`` at all.

    The scarcity prices are the standing plan's exact duals: the placement the plan gives
    a participant reaches their best priced value, and so ties with others more often than
    not. Breaking those ties towards the plan's own choice keeps one decision at a time on
    the plan, instead of letting the placement id decide.
    """
    if preferred is None:
        return best
    rest = best[best != preferred]
    ahead = rest[values[rest] > values[preferred] + TIE]
    if len(ahead) >= k:
        return best
    behind = rest[values[rest] <= values[preferred] + TIE]
    return np.concatenate([ahead, [preferred], behind]).astype(best.dtype)[:k]


def explain(
    participant: Participant,
    placement: Placement,
    compiled: CompiledPlacements,
    policy: Policy,
    price: float | None = None,
) -> list[Reason]:
    """One reason per factor, in FACTORS order (predictions, then adjustments)."""
    pair = Pair(
        participant, placement, compiled.taxonomy, compiled.capacity_of(placement), policy, price
    )
    return [factor.reason(pair) for factor in REGISTRY]


def _price(prices, position: int) -> float | None:
    return None if prices is None else float(prices[position])


def _item(scorer, X, valued, policy, row: int, department: int, **fields) -> RankedItem:
    contributions, adjusted = explained_row(scorer, X, policy, row, department)
    return RankedItem(
        score=float(valued.value[row]),
        contributions=contributions,
        log_odds=float(valued.log_odds[row]),
        probability=float(valued.probability[row]),
        baseline=baseline(scorer),
        adjustments=adjusted,
        calibration_n=calibration_n(scorer),
        **fields,
    )


def _items(
    participant: Participant,
    compiled: CompiledPlacements,
    scorer: Scorer,
    policy: Policy,
    prices: np.ndarray | None,
    credit: np.ndarray,
    X: np.ndarray,
    valued,
    local: list[int],
    positions: list[int],
) -> list[RankedItem]:
    """The items of a placement ranking: rows ``local`` of ``X``/``valued`` are the
    compiled ``positions``. Equal to one :func:`_item` and :func:`explain` per row; the
    contributions of a linear scorer are formed for all rows at once (element-wise, so
    the same floats) and the reasons come from :func:`matcher.item_reasons.item_reasons`."""
    if getattr(scorer, "coefficients", None) is None or not local:
        return [
            _item(
                scorer, X, valued, policy, row, int(compiled.department_ids[position]),
                subject_id=int(compiled.ids[position]), rank=rank,
                reasons=explain(participant, compiled.placements[position], compiled, policy,
                                _price(prices, position)),
            )
            for rank, (row, position) in enumerate(zip(local, positions, strict=True), start=1)
        ]  # fmt: skip
    rows = X[local]
    contributions = prediction_contributions(scorer, rows).tolist()
    adjusted = adjustments(rows, policy).tolist()
    offsets = department_offsets(scorer, compiled.department_ids[positions])
    base, n_outcomes = baseline(scorer), calibration_n(scorer)
    value = valued.value[local].tolist()
    log_odds = valued.log_odds[local].tolist()
    probability = valued.probability[local].tolist()
    ids = compiled.ids[positions].tolist()
    reasons = item_reasons(
        participant,
        positions,
        [_price(prices, position) for position in positions],
        compiled,
        policy,
        credit,
    )
    items = []
    for i in range(len(positions)):
        named = dict(zip(PREDICTORS, contributions[i], strict=True))
        if offsets is not None:
            named["department"] = float(offsets[i])
        items.append(
            RankedItem(
                subject_id=ids[i],
                rank=i + 1,
                score=value[i],
                contributions=named,
                reasons=reasons[i],
                log_odds=log_odds[i],
                probability=probability[i],
                baseline=base,
                adjustments=dict(zip(ADJUSTMENTS, adjusted[i], strict=True)),
                calibration_n=n_outcomes,
            )
        )
    return items


def rank_placements(
    participant: Participant,
    compiled: CompiledPlacements,
    scorer: Scorer,
    *,
    k: int = 10,
    as_of: date,
    policy: Policy,
    prices: np.ndarray | None = None,
    preferred: int | None = None,
) -> Ranking:
    """A participant's top-``k`` eligible placements, explained.

    ``prices`` (one per compiled placement, the planner's opportunity costs) enter the
    scarcity factor as ``-w_scarcity * price``. ``preferred`` (a compiled position: the
    standing plan's placement for this participant) goes first among the items it ties
    with (:func:`prefer`); an ineligible one is ignored.

    A large catalog is not scored exhaustively: :mod:`matcher.pruning` bounds the value
    of whole blocks of placements and scores only those that can reach the top ``k``;
    the result equals :func:`rank_placements_exhaustive`'s.
    """
    prices = check_prices(prices, compiled)
    if k <= 0 or not pruning.supported(compiled, scorer, policy):
        return rank_placements_exhaustive(
            participant, compiled, scorer, k=k, as_of=as_of, policy=policy, prices=prices,
            preferred=preferred,
        )  # fmt: skip
    credit = credit_vector(participant, compiled, policy)
    request = pruning.Request(participant, compiled, scorer, as_of, policy, prices, credit)
    scored = pruning.pruned_scores(request, k, preferred)
    value = scored.valued.value
    best = top_k(value, compiled.ids[scored.rows], None, k)
    if preferred is not None:
        mine = np.flatnonzero(scored.rows == preferred)  # scored when eligible
        if len(mine):
            best = prefer(best, value, int(mine[0]), k)
    candidate_count = pruning.eligible_count(request)
    local = best.tolist()
    items = _items(
        participant, compiled, scorer, policy, prices, credit, scored.X, scored.valued,
        local, scored.rows[best].tolist(),
    )  # fmt: skip
    return _placement_ranking(items, candidate_count, compiled, policy, as_of)


def _placement_ranking(items, candidate_count: int, compiled, policy: Policy, as_of) -> Ranking:
    return Ranking(
        items=items,
        candidate_count=candidate_count,
        excluded_count=len(compiled) - candidate_count,
        policy_version=policy.version,
        as_of=as_of,
    )


def rank_placements_exhaustive(
    participant: Participant,
    compiled: CompiledPlacements,
    scorer: Scorer,
    *,
    k: int = 10,
    as_of: date,
    policy: Policy,
    prices: np.ndarray | None = None,
    preferred: int | None = None,
) -> Ranking:
    """:func:`rank_placements` scoring every placement (the definition the pruned path
    is tested against, and the path for scorers and catalogs it does not bound)."""
    features = pair_features(participant, compiled, as_of, policy, prices=prices)
    valued = values(scorer, features.X, policy, compiled.department_ids)
    best = top_k(valued.value, compiled.ids, features.eligible, k)
    if preferred is not None and features.eligible[preferred]:
        best = prefer(best, valued.value, preferred, k)
    candidate_count = int(np.count_nonzero(features.eligible))
    positions = best.tolist()
    items = _items(
        participant, compiled, scorer, policy, check_prices(prices, compiled),
        credit_vector(participant, compiled, policy), features.X, valued, positions, positions,
    )  # fmt: skip
    return _placement_ranking(items, candidate_count, compiled, policy, as_of)


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
    placement = compiled.placements[position]
    valued = values(scorer, X, policy, np.full(len(participants), placement.department_id))
    best = top_k(valued.value, ids, eligible, k)
    candidate_count = int(np.count_nonzero(eligible))
    items = [
        _item(
            scorer,
            X,
            valued,
            policy,
            i,
            placement.department_id,
            subject_id=int(ids[i]),
            rank=rank,
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

    Type rules come first, then the hard pair rules (``hours_over_maximum``,
    ``language_below_tolerance``, ``supervision_too_low``, with the tolerances of
    ``policy``, by default the default policy's), then ``placement_full``,
    ``department_quota_full``, ``not_open``. A pair that is eligible but ranked low gets
    [] here: its value is in the ranking's contributions and adjustments.
    """
    placement = compiled.placements[compiled.index_of(placement_id)]
    rules = compiled.types[placement.type_code].rules
    policy = policy or load_policy()
    ahead = policy.book_ahead_days
    pair_rules = pair_exclusions(participant, placement, policy)
    return [
        *rule_exclusions(rules, participant, as_of),
        *pair_rules,
        *placement_exclusions(placement, compiled.capacity_of(placement), as_of, ahead),
    ]
