"""The anchor of bench/rank.py: the straightforward numpy/scipy.sparse ranking.

What anyone would write first with the same compiled arrays: every factor as a dense
column over all placements (skills as ``sparse placements x concepts @ credit``, the full
haversine formula on the site coordinates), the score as ``X @ weights``, eligibility as a
mask, ``argpartition`` for the top 10, then the same explanations as the engine. Same
factor definitions as :mod:`matcher.features`, so it ranks the same placements.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from matcher.compiled import CompiledPlacements
from matcher.domain import Participant
from matcher.factors import priority_feature
from matcher.features import (
    _interest_table,
    _language_table,
    _support_table,
    credit_vector,
    eligible_mask,
)
from matcher.geo import EARTH_RADIUS_KM
from matcher.policy import FACTORS, Policy
from matcher.reasons import explain


class PlainRanker:
    """Coordinates and counts taken once from the compiled catalog, then dense per call."""

    def __init__(self, compiled: CompiledPlacements, weights: np.ndarray, policy: Policy):
        self.compiled, self.weights, self.policy = compiled, np.asarray(weights), policy
        self.lat = np.radians([p.site_lat for p in compiled.placements])
        self.lon = np.radians([p.site_lon for p in compiled.placements])

    def scores(self, participant: Participant, as_of: date) -> tuple[np.ndarray, np.ndarray]:
        c, policy = self.compiled, self.policy
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
        if participant.parent:
            commute *= cm.parent_multiplier
        cap = policy.capacity
        slack = np.minimum(np.maximum(c.remaining_slots, 0), cap.slack_cap)
        columns = {
            "skills": skills,
            "interests": _interest_table(participant, c, policy)[c.area_index],
            "language": _language_table(participant, policy)[c.language_code],
            "support": _support_table(participant, policy)[c.supervision],
            "priority": np.full(
                len(c),
                priority_feature(
                    participant.months_on_assistance, participant.months_since_last_job, policy
                ),
            ),
            "commute": commute,
            "hours": -np.maximum(c.hours_per_week - participant.max_hours, 0)
            / policy.hours.hours_unit,
            "capacity": np.where(c.short_of_minimum > 0, cap.below_minimum_boost, 0.0)
            + cap.slack_bonus * slack / cap.slack_cap,
            "scarcity": np.zeros(len(c)),
        }
        X = np.column_stack([columns[name] for name in FACTORS])
        eligible = eligible_mask(participant, c, as_of, book_ahead_days=policy.book_ahead_days)
        return X @ self.weights, eligible

    def top(self, participant: Participant, as_of: date, k: int = 10) -> np.ndarray:
        """Positions of the best ``k`` eligible placements (score, then lower id)."""
        score, eligible = self.scores(participant, as_of)
        score = np.where(eligible, score, -np.inf)
        k = min(k, int(eligible.sum()))
        if k == 0:
            return np.empty(0, dtype=np.int64)
        part = np.argpartition(-score, k - 1)[:k]
        return part[np.lexsort((self.compiled.ids[part], -score[part]))]

    def rank(self, participant: Participant, as_of: date, k: int = 10) -> list:
        """The top ``k`` with their reasons, as the engine returns them."""
        credit = credit_vector(participant, self.compiled, self.policy)
        return [
            (
                int(self.compiled.ids[j]),
                explain(
                    participant,
                    self.compiled.placements[j],
                    self.compiled,
                    self.policy,
                    None,
                    credit,
                ),
            )  # fmt: skip
            for j in self.top(participant, as_of, k)
        ]
