"""Explanations: one short sentence per factor, in Swedish and English.

Reasons are built only for the suggestions shown (top k), in plain Python, from the
same per-pair definitions the scores come from; the numbers that add up to the score
are in the item's ``contributions``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.compiled import CompiledPlacements
from matcher.domain import Participant, Placement
from matcher.geo import haversine_km
from matcher.language import language_label
from matcher.policy import Policy
from matcher.taxonomy import Taxonomy


@dataclass(frozen=True, slots=True)
class Reason:
    """One factor's part of an explanation.

    ``matched``/``partial``/``missing`` are filled for the skills factor only: labels of
    the placement's skills the participant has, has something close to (a broader,
    narrower or sibling concept), or lacks.
    """

    factor: str
    sv: str
    en: str
    matched: tuple[str, ...] = ()
    partial: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


def best_credit(taxonomy: Taxonomy, have: tuple[str, ...], want: str, policy: Policy) -> float:
    """Best taxonomy credit over the skills ``have`` towards the concept ``want``."""
    s = policy.skills
    return max(
        (
            taxonomy.credit(
                h, want, broader_credit=s.broader_credit, sibling_credit=s.sibling_credit
            )
            for h in have
        ),
        default=0.0,
    )


def _join(labels: list[str]) -> str:
    return ", ".join(labels) if labels else "-"


def skills_reason(
    participant: Participant,
    placement: Placement,
    taxonomy: Taxonomy,
    policy: Policy,
    credit: np.ndarray | None = None,
) -> Reason:
    """Matched, related and missing skills; ``credit`` is the participant's credit vector
    over the taxonomy when the caller has it (it saves recomputing credit per skill)."""

    def credit_of(skill: str) -> float:
        if credit is None:
            return best_credit(taxonomy, participant.skills, skill, policy)
        return float(credit[taxonomy.index_of(skill)])

    matched, partial, missing = [], [], []
    for skill in (*placement.required_skills, *placement.useful_skills):
        value = credit_of(skill)
        bucket = matched if value >= 1.0 else partial if value > 0 else missing
        label = taxonomy.label(skill)
        if label not in bucket:
            bucket.append(label)
    missing_required = [
        taxonomy.label(s) for s in dict.fromkeys(placement.required_skills) if credit_of(s) == 0
    ]
    if not placement.required_skills and not placement.useful_skills:
        sv, en = "Platsen anger inga kompetenskrav.", "The placement lists no skills."
    else:
        sv = (
            f"Kompetens som matchar: {_join(matched)}; närliggande: {_join(partial)}; "
            f"saknas: {_join(missing)}."
        )
        en = (
            f"Skills matched: {_join(matched)}; related: {_join(partial)}; "
            f"missing: {_join(missing)}."
        )
        if missing_required:
            sv += f" Krav som saknas: {_join(missing_required)}."
            en += f" Missing required: {_join(missing_required)}."
    return Reason("skills", sv, en, tuple(matched), tuple(partial), tuple(missing))


def interests_reason(participant: Participant, placement: Placement, taxonomy: Taxonomy) -> Reason:
    area = taxonomy.label(placement.work_area)
    if placement.work_area in participant.interests:
        choice = participant.interests.index(placement.work_area) + 1
        return Reason(
            "interests",
            f"Arbetsområdet {area} är deltagarens önskemål nr {choice}.",
            f"The work area {area} is the participant's choice no. {choice}.",
        )
    return Reason(
        "interests",
        f"Arbetsområdet {area} finns inte bland deltagarens önskemål.",
        f"The work area {area} is not among the participant's interests.",
    )


def language_reason(participant: Participant, placement: Placement, policy: Policy) -> Reason:
    have, need = participant.language_level, placement.min_language_level
    have_l, need_l = language_label(have), language_label(need)
    if have >= need + policy.language.well_above_steps:
        sv, en = "väl över kravet", "well above the minimum"
    elif have >= need:
        sv, en = "når kravet", "meets the minimum"
    elif placement.language_practice and need - have <= policy.language.practice_tolerance:
        sv, en = (
            "språkpraktik med handledare godtar nivån",
            "language practice with a mentor accepts it",
        )
    else:
        sv, en = f"{need - have} steg under kravet", f"{need - have} step(s) below the minimum"
    return Reason(
        "language",
        f"Svenska {have_l} mot krav {need_l}: {sv}.",
        f"Swedish {have_l} against minimum {need_l}: {en}.",
    )


def support_reason(participant: Participant, placement: Placement, policy: Policy) -> Reason:
    need = participant.support_need
    needed = policy.support.required_supervision[min(max(need, 1), 5) - 1]
    given = placement.supervision
    if given >= needed:
        sv = f"Arbetsplatsen kan ge det stöd som behövs (stödbehov {need}, handledning {given})."
        en = f"The workplace can give the support needed (need {need}, supervision {given})."
    else:
        sv = (
            f"Arbetsplatsen ger mindre handledning ({given}) än stödbehov {need} kräver ({needed})."
        )
        en = (
            f"The workplace gives less supervision ({given}) than support need {need} "
            f"calls for ({needed})."
        )
    return Reason("support", sv, en)


def priority_reason(participant: Participant) -> Reason:
    return Reason(
        "priority",
        f"Avstånd till arbetsmarknaden: {participant.months_on_assistance} månader med "
        f"försörjningsstöd, {participant.months_since_last_job} sedan senaste arbete.",
        f"Distance from the labour market: {participant.months_on_assistance} months on "
        f"assistance, {participant.months_since_last_job} since the last job.",
    )


def commute_reason(participant: Participant, placement: Placement) -> Reason:
    km = haversine_km(
        participant.home_lat, participant.home_lon, placement.site_lat, placement.site_lon
    )
    parent_sv = " (väger tyngre för förälder)" if participant.parent else ""
    parent_en = " (weighs more for a parent)" if participant.parent else ""
    return Reason(
        "commute",
        f"Cirka {km:.0f} km mellan hem och arbetsplats{parent_sv}.",
        f"About {km:.0f} km between home and workplace{parent_en}.",
    )


def hours_reason(participant: Participant, placement: Placement) -> Reason:
    hours, most = placement.hours_per_week, participant.max_hours
    if hours <= most:
        return Reason(
            "hours",
            f"{hours} timmar/vecka ryms inom deltagarens {most}.",
            f"{hours} hours/week fits within the participant's {most}.",
        )
    return Reason(
        "hours",
        f"{hours} timmar/vecka är {hours - most} fler än deltagarens {most}.",
        f"{hours} hours/week is {hours - most} more than the participant's {most}.",
    )


def capacity_reason(placement: Placement, compiled: CompiledPlacements) -> Reason:
    capacity = compiled.capacity_of(placement)
    slots = placement.remaining_slots
    if capacity is not None and capacity.short_of_minimum > 0:
        return Reason(
            "capacity",
            f"{slots} platser kvar; förvaltningen saknar {capacity.short_of_minimum} "
            "till sitt utlovade minimum.",
            f"{slots} slot(s) left; the department is {capacity.short_of_minimum} "
            "short of its promised minimum.",
        )
    return Reason("capacity", f"{slots} platser kvar.", f"{slots} slot(s) left.")


def scarcity_reason(price: float | None) -> Reason:
    if price is None:
        return Reason("scarcity", "Ingen alternativkostnad angiven.", "No opportunity cost given.")
    return Reason(
        "scarcity",
        f"Alternativkostnad från kohortplaneringen: {price:.2f}.",
        f"Opportunity cost from the cohort plan: {price:.2f}.",
    )


def explain(
    participant: Participant,
    placement: Placement,
    compiled: CompiledPlacements,
    policy: Policy,
    price: float | None = None,
    credit: np.ndarray | None = None,
) -> list[Reason]:
    """One reason per factor, in FACTORS order (``credit``: see :func:`skills_reason`)."""
    taxonomy = compiled.taxonomy
    return [
        skills_reason(participant, placement, taxonomy, policy, credit),
        interests_reason(participant, placement, taxonomy),
        language_reason(participant, placement, policy),
        support_reason(participant, placement, policy),
        priority_reason(participant),
        commute_reason(participant, placement),
        hours_reason(participant, placement),
        capacity_reason(placement, compiled),
        scarcity_reason(price),
    ]
