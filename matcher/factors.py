"""The factor features, defined one pair at a time.

Two kinds of factor (see :mod:`matcher.factor_registry` for the list):

* **predictions** say how likely the placement is to succeed. The predicted log-odds of
  success is ``intercept + scale * sum(weight[f] * feature[f])`` over the prediction
  factors (:class:`matcher.scorer.PolicyScorer`; a learned model fits its own weights).
* **adjustments** are the municipality's policy, not predictors of success: priority for
  people furthest from the labour market, the boost for a department short of its
  promised minimum, and scarcity (opportunity cost). They are in *probability points*
  and are added to the predicted probability; nothing fitted to outcomes ever changes them.

Every feature here is monotone in the direction its docstring states, and with a
non-negative weight a "better" input never lowers the value: more matching skills, a
higher Swedish level, more supervision, a shorter commute, fewer hours beyond the
maximum. :mod:`matcher.features` computes the same numbers vectorised; the per-pair
reference (:mod:`matcher.reference`) calls these directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from matcher.domain import DepartmentCapacity, Participant, Placement
from matcher.geo import haversine_km
from matcher.taxonomy import Taxonomy

if TYPE_CHECKING:
    from matcher.policy import Policy


@dataclass(frozen=True, slots=True)
class Pair:
    """Everything a factor may read about one participant and one placement."""

    participant: Participant
    placement: Placement
    taxonomy: Taxonomy
    capacity: DepartmentCapacity | None
    policy: Policy
    price: float | None = None  # the placement's opportunity cost (probability points)

    def km(self) -> float:
        p, q = self.participant, self.placement
        return haversine_km(p.home_lat, p.home_lon, q.site_lat, q.site_lon)

    def credit(self, want: str) -> float:
        """Best taxonomy credit over the participant's skills towards ``want``."""
        s = self.policy.skills
        return max(
            (
                self.taxonomy.credit(
                    h, want, broader_credit=s.broader_credit, sibling_credit=s.sibling_credit
                )
                for h in self.participant.skills
            ),
            default=0.0,
        )


# ---------------------------------------------------------------- scalar definitions


def skills_coverage(
    required_credits: Sequence[float], useful_credits: Sequence[float], policy: Policy
) -> float:
    """Weighted share of the placement's skills the participant has, in 0..1.

    ``(rw * sum(required) + uw * sum(useful)) / (rw * n_required + uw * n_useful)`` with
    per-skill taxonomy credits (1 same concept, part for a related one), ``rw > uw``; a
    placement listing no skills gets ``skills.empty_coverage``. Increasing in every credit.
    """
    rw, uw = policy.skills.required_weight, policy.skills.useful_weight
    denominator = rw * len(required_credits) + uw * len(useful_credits)
    if denominator == 0:
        return policy.skills.empty_coverage
    return (rw * sum(required_credits) + uw * sum(useful_credits)) / denominator


def interest_feature(interests: Sequence[str], work_area: str, policy: Policy) -> float:
    """``decay ** k`` when the work area is the participant's k-th interest (k = 0 first);
    0 beyond ``interests.max_ranked``. Higher for an interest listed earlier."""
    for position, area in enumerate(interests[: policy.interests.max_ranked]):
        if area == work_area:
            return policy.interests.decay**position
    return 0.0


def language_steps_short(level: int, min_level: int, language_practice: bool, policy: Policy):
    """Steps below the minimum that count: a language-practice placement with a mentor
    waives ``language.practice_free_steps`` of them."""
    free = policy.language.practice_free_steps if language_practice else 0
    return max(0, min_level - level - free)


def language_tolerance(language_practice: bool, policy: Policy) -> int:
    """Steps below the minimum still eligible (more with a mentor); beyond: ineligible."""
    lang = policy.language
    return lang.practice_tolerance if language_practice else lang.tolerance


def language_feature(level: int, min_level: int, language_practice: bool, policy: Policy) -> float:
    """``-steps ** shortfall_exponent`` for the steps short (each costs more than the last),
    ``well_above_bonus`` at ``well_above_steps`` or more above the minimum, else 0.
    Non-decreasing in the participant's level. Pairs further below than the tolerance are
    ineligible (:mod:`matcher.eligibility`) and never scored in a list."""
    shortfall = language_steps_short(level, min_level, language_practice, policy)
    if shortfall > 0:
        return -(float(shortfall) ** policy.language.shortfall_exponent)
    if level - min_level >= policy.language.well_above_steps:
        return policy.language.well_above_bonus
    return 0.0


def required_supervision(support_need: int, policy: Policy) -> int:
    return policy.support.required_supervision[min(max(support_need, 1), 5) - 1]


def support_feature(support_need: int, supervision: int, policy: Policy) -> float:
    """Minus the supervision steps the workplace is missing for this support need.
    Non-decreasing in the supervision offered, non-increasing in the need."""
    return -float(max(0, required_supervision(support_need, policy) - supervision))


def commute_cost(km: float, policy: Policy) -> float:
    """``(min(km, cap_km) - free_km)^+ / km_unit``: non-decreasing in km."""
    c = policy.commute
    return max(0.0, min(km, c.cap_km) - c.free_km) / c.km_unit


def hours_excess(hours_per_week: int, max_hours: int, policy: Policy) -> float:
    """``(hours_per_week - max_hours)^+ / hours_unit``: the part-time cut a placement needs.
    Beyond what its ``min_hours`` allows the pair is ineligible."""
    return max(0, hours_per_week - max_hours) / policy.hours.hours_unit


def priority_feature(
    months_on_assistance: int, months_since_last_job: int | None, policy: Policy
) -> float:
    """Distance from the labour market by time, 0..1, the same for all of one person's pairs.

    ``share * min(1, months_on_assistance / assistance_cap) + (1 - share) *
    min(1, months_since_last_job / no_job_cap)``; when the end of the last job is not
    recorded, the assistance term alone (weight 1), never an assumed value. Non-decreasing
    in both times.
    """
    p = policy.priority
    on_assistance = min(1.0, max(0, months_on_assistance) / p.assistance_cap_months)
    if months_since_last_job is None:
        return on_assistance
    without_job = min(1.0, max(0, months_since_last_job) / p.no_job_cap_months)
    return p.assistance_share * on_assistance + (1.0 - p.assistance_share) * without_job


def capacity_feature(short_of_minimum: int, remaining_slots: int, policy: Policy) -> float:
    """``below_minimum_boost * [short_of_minimum > 0] + slack_bonus * min(slots, slack_cap)
    / slack_cap``: non-decreasing in the shortfall and in the slots left."""
    c = policy.capacity
    boost = c.below_minimum_boost if short_of_minimum > 0 else 0.0
    return boost + c.slack_bonus * min(max(remaining_slots, 0), c.slack_cap) / c.slack_cap


# ---------------------------------------------------------------- pair definitions


def skills(pair: Pair) -> float:
    """Share of the placement's skills the participant has (see :func:`skills_coverage`)."""
    q = pair.placement
    return skills_coverage(
        [pair.credit(s) for s in q.required_skills],
        [pair.credit(s) for s in q.useful_skills],
        pair.policy,
    )


def interests(pair: Pair) -> float:
    return interest_feature(pair.participant.interests, pair.placement.work_area, pair.policy)


def language(pair: Pair) -> float:
    q = pair.placement
    return language_feature(
        pair.participant.language_level, q.min_language_level, q.language_practice, pair.policy
    )


def support(pair: Pair) -> float:
    return support_feature(pair.participant.support_need, pair.placement.supervision, pair.policy)


def commute(pair: Pair) -> float:
    """Minus the commute cost: higher for a shorter commute."""
    return -commute_cost(pair.km(), pair.policy)


def parent_commute(pair: Pair) -> float:
    """The commute again for a parent (the child perspective), 0 for others: parents x commute."""
    return commute(pair) if pair.participant.parent else 0.0


def hours(pair: Pair) -> float:
    """Minus the hours beyond the participant's maximum: higher when the hours fit."""
    return -hours_excess(pair.placement.hours_per_week, pair.participant.max_hours, pair.policy)


def parent_hours(pair: Pair) -> float:
    """The hours excess again for a parent, 0 for others: parents x hours."""
    return hours(pair) if pair.participant.parent else 0.0


def priority(pair: Pair) -> float:
    p = pair.participant
    return priority_feature(p.months_on_assistance, p.months_since_last_job, pair.policy)


def capacity(pair: Pair) -> float:
    short = 0 if pair.capacity is None else pair.capacity.short_of_minimum
    return capacity_feature(short, pair.placement.remaining_slots, pair.policy)


def scarcity(pair: Pair) -> float:
    """Minus the placement's opportunity-cost price (probability points), 0 without one."""
    return 0.0 if pair.price is None else -float(pair.price)
