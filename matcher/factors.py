"""The factor features, defined one pair at a time.

A suggestion's score is ``sum(weights[f] * feature[f] for f in FACTORS)``. The functions
here *define* each feature for one participant and one placement; the vectorised engine
(:mod:`matcher.features`) computes the same numbers for all open placements at once and
:mod:`matcher.reference` calls these directly, pair by pair, as the check on it.

Every feature is monotone in the direction a caseworker would expect: more matching
skills, a higher Swedish level, a lower support need never lower a pair's score.
"""

from __future__ import annotations

from collections.abc import Sequence

from matcher.policy import Policy


def skills_coverage(
    required_credits: Sequence[float], useful_credits: Sequence[float], policy: Policy
) -> float:
    """Weighted share of the placement's skills the participant has, in 0..1.

    ``required_credits`` and ``useful_credits`` hold, per skill the placement lists, the
    best taxonomy credit over the participant's skills (1 same concept, part for a
    broader/narrower or sibling concept, see :mod:`matcher.taxonomy`). The share is

        (rw * sum(required_credits) + uw * sum(useful_credits)) / (rw * n_required + uw * n_useful)

    with ``rw = skills.required_weight`` > ``uw = skills.useful_weight``, so a missing
    required skill costs more than a missing useful one. A placement that lists no
    skills gets ``skills.empty_coverage``.
    """
    rw, uw = policy.skills.required_weight, policy.skills.useful_weight
    denominator = rw * len(required_credits) + uw * len(useful_credits)
    if denominator == 0:
        return policy.skills.empty_coverage
    return (rw * sum(required_credits) + uw * sum(useful_credits)) / denominator


def interest_feature(interests: Sequence[str], work_area: str, policy: Policy) -> float:
    """``decay ** k`` when the work area is the participant's k-th interest (k = 0 first).

    0 when the area is not among the first ``interests.max_ranked`` interests. The
    person's own preferences come first in supported employment, hence a large weight.
    """
    for position, area in enumerate(interests[: policy.interests.max_ranked]):
        if area == work_area:
            return policy.interests.decay**position
    return 0.0


def language_feature(level: int, min_level: int, language_practice: bool, policy: Policy) -> float:
    """Cost of a Swedish level below the placement's minimum, or a bonus well above it.

    ``shortfall = max(0, min_level - level - tolerance)`` where ``tolerance`` is
    ``language.practice_tolerance`` (1) for a language-practice placement with a mentor
    and 0 otherwise. The feature is ``-shortfall ** shortfall_exponent`` (each step costs
    more than the last) when short; ``well_above_bonus`` when the level is at least
    ``well_above_steps`` above the minimum; 0 otherwise.
    """
    tolerance = policy.language.practice_tolerance if language_practice else 0
    shortfall = max(0, min_level - level - tolerance)
    if shortfall > 0:
        return -(float(shortfall) ** policy.language.shortfall_exponent)
    if level - min_level >= policy.language.well_above_steps:
        return policy.language.well_above_bonus
    return 0.0


def support_feature(support_need: int, supervision: int, policy: Policy) -> float:
    """Minus the supervision steps the workplace is missing for this support need.

    ``support.required_supervision[need - 1]`` is the supervision level (1..3) a need of
    1..5 calls for; a workplace offering less costs one unit per missing step.
    """
    needed = policy.support.required_supervision[min(max(support_need, 1), 5) - 1]
    return -float(max(0, needed - supervision))


def priority_feature(
    months_on_assistance: int, months_since_last_job: int, policy: Policy
) -> float:
    """Distance from the labour market by time, in 0..1 (the same for every placement).

    ``share * min(1, months_on_assistance / assistance_cap) + (1 - share) *
    min(1, months_since_last_job / no_job_cap)``. It uses time, not the caseworker's
    support-need step, so that support need only ever works through the support factor
    (a lower need never lowers a score). Being constant per participant, it does not
    reorder one person's placements; it ranks people further away first for a placement
    and in the cohort planner, so the engine does not favour those who would have found
    work anyway.
    """
    p = policy.priority
    on_assistance = min(1.0, max(0, months_on_assistance) / p.assistance_cap_months)
    without_job = min(1.0, max(0, months_since_last_job) / p.no_job_cap_months)
    return p.assistance_share * on_assistance + (1.0 - p.assistance_share) * without_job


def commute_feature(km: float, parent: bool, policy: Policy) -> float:
    """``-(min(km, cap_km) - free_km)^+ / km_unit``, times ``parent_multiplier`` for parents."""
    c = policy.commute
    cost = max(0.0, min(km, c.cap_km) - c.free_km) / c.km_unit
    return -(cost * c.parent_multiplier if parent else cost)


def hours_feature(hours_per_week: int, max_hours: int, policy: Policy) -> float:
    """``-(hours_per_week - max_hours)^+ / hours_unit``: hours beyond what the person can work."""
    return -max(0, hours_per_week - max_hours) / policy.hours.hours_unit


def capacity_feature(short_of_minimum: int, remaining_slots: int, policy: Policy) -> float:
    """Boost for a department short of its promised minimum, plus a little for free slots.

    ``below_minimum_boost * [short_of_minimum > 0] + slack_bonus * min(slots, slack_cap) /
    slack_cap``. Full placements and departments never get here: they are ineligible.
    """
    c = policy.capacity
    boost = c.below_minimum_boost if short_of_minimum > 0 else 0.0
    return boost + c.slack_bonus * min(max(remaining_slots, 0), c.slack_cap) / c.slack_cap


def scarcity_feature(price: float | None) -> float:
    """Minus the placement's opportunity-cost price (the planner's dual), 0 without one."""
    return 0.0 if price is None else -float(price)
