"""The anchor of bench/rank.py: the straightforward numpy/scipy.sparse ranking.

What anyone would write first with the same compiled arrays: every factor as a dense
column over all placements (skills as ``sparse placements x concepts @ credit``, the full
haversine formula on the site coordinates), the log-odds as ``intercept + X_pred @
coefficients``, the probability as ``expit(log_odds)``, the policy adjustments as
``X_adj @ adjustment_weights`` added to it (the ranking value of :mod:`matcher.value`),
eligibility as a mask, ``argpartition`` for the top 10, then the same explanations as the
engine. Same factor definitions as :mod:`matcher.factors` (small look-up tables built with
the scalar definitions), so it ranks the same placements.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from scipy.special import expit

from matcher import factors as f
from matcher.compiled import CompiledPlacements
from matcher.domain import Participant
from matcher.factor_registry import ADJUSTMENTS, FACTORS, PREDICTORS
from matcher.features import credit_vector, eligible_mask
from matcher.geo import EARTH_RADIUS_KM
from matcher.language import MAX_LEVEL
from matcher.policy import Policy
from matcher.ranking import explain


class PlainRanker:
    """Coordinates taken once from the compiled catalog, then dense columns per call."""

    def __init__(self, compiled: CompiledPlacements, scorer, policy: Policy):
        self.compiled, self.policy = compiled, policy
        self.intercept, self.coef = scorer.coefficients(len(PREDICTORS))
        self.adjustment_weights = np.asarray(policy.adjustment_weights)
        self.lat = np.radians([p.site_lat for p in compiled.placements])
        self.lon = np.radians([p.site_lon for p in compiled.placements])

    def columns(self, participant: Participant) -> dict[str, np.ndarray]:
        c, policy, n = self.compiled, self.policy, len(self.compiled)
        s = policy.skills
        credit = credit_vector(participant, c, policy)
        numerator = s.required_weight * (c.required @ credit) + s.useful_weight * (
            c.useful @ credit
        )
        denominator = s.required_weight * c.n_required + s.useful_weight * c.n_useful
        skills = np.where(
            denominator > 0, numerator / np.where(denominator > 0, denominator, 1), s.empty_coverage
        )
        lat, lon = np.radians(participant.home_lat), np.radians(participant.home_lon)
        a = (
            np.sin((self.lat - lat) / 2) ** 2
            + np.cos(lat) * np.cos(self.lat) * np.sin((self.lon - lon) / 2) ** 2
        )
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))
        cm = policy.commute
        commute = -np.maximum(np.minimum(km, cm.cap_km) - cm.free_km, 0) / cm.km_unit
        hours = -np.maximum(c.hours_per_week - participant.max_hours, 0) / policy.hours.hours_unit
        interests = np.array(
            [f.interest_feature(participant.interests, a, policy) for a in c.areas]
        )
        language = np.array(
            [
                f.language_feature(participant.language_level, minimum, bool(practice), policy)
                for minimum in range(MAX_LEVEL + 1)
                for practice in (0, 1)
            ]
        )
        support = np.array(
            [f.support_feature(participant.support_need, v, policy) for v in range(4)]
        )
        cap = policy.capacity
        slack = np.minimum(np.maximum(c.remaining_slots, 0), cap.slack_cap)
        parent = 1.0 if participant.parent else 0.0
        return {
            "skills": skills,
            "interests": interests[c.area_index],
            "language": language[c.language_code],
            "support": support[c.supervision],
            "commute": commute,
            "parent_commute": parent * commute,
            "hours": hours,
            "parent_hours": parent * hours,
            "priority": np.full(
                n,
                f.priority_feature(
                    participant.months_on_assistance, participant.months_since_last_job, policy
                ),
            ),
            "capacity": np.where(c.short_of_minimum > 0, cap.below_minimum_boost, 0.0)
            + cap.slack_bonus * slack / cap.slack_cap,
            "scarcity": np.zeros(n),
        }

    def scores(self, participant: Participant, as_of: date) -> tuple[np.ndarray, np.ndarray]:
        """Ranking value (probability + adjustments) and eligibility of every placement."""
        columns = self.columns(participant)
        assert tuple(columns) == FACTORS
        predictors = np.column_stack([columns[name] for name in PREDICTORS])
        adjusted = np.column_stack([columns[name] for name in ADJUSTMENTS])
        probability = expit(self.intercept + predictors @ self.coef)
        value = probability + adjusted @ self.adjustment_weights
        eligible = eligible_mask(
            participant,
            self.compiled,
            as_of,
            book_ahead_days=self.policy.book_ahead_days,
            policy=self.policy,
        )
        return value, eligible

    def top(self, participant: Participant, as_of: date, k: int = 10) -> np.ndarray:
        """Positions of the best ``k`` eligible placements (value, then lower id)."""
        score, eligible = self.scores(participant, as_of)
        score = np.where(eligible, score, -np.inf)
        k = min(k, int(eligible.sum()))
        if k == 0:
            return np.empty(0, dtype=np.int64)
        part = np.argpartition(-score, k - 1)[:k]
        return part[np.lexsort((self.compiled.ids[part], -score[part]))]

    def rank(self, participant: Participant, as_of: date, k: int = 10) -> list:
        """The top ``k`` with their reasons, as the engine returns them."""
        c = self.compiled
        return [
            (int(c.ids[j]), explain(participant, c.placements[j], c, self.policy))
            for j in self.top(participant, as_of, k)
        ]
