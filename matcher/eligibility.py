"""Eligibility: the placement type's rules (data), capacity and the open period.

A pair is eligible when no exclusion applies. The exclusions, by rule name:

=========================  =====================================================
rule                       excludes when
=========================  =====================================================
``min_age``                age < type's min_age (age = as_of.year - birth_year)
``max_age``                age > type's max_age
``min_months_on_assistance``  months_on_assistance < type's minimum
``newcomer_or_long_term``  the type demands it, the person is not a newcomer and has
                           been without work fewer than ``long_term_months`` months, or
                           the end of their last job is not recorded (the rule needs it;
                           the exclusion says so instead of assuming a value)
``hours_over_maximum``     even at its lowest part-time hours (``min_hours``) the
                           placement asks more hours than the participant's maximum
``language_below_tolerance``  the Swedish level is more steps below the minimum than
                           the policy's ``language.tolerance`` (``practice_tolerance``
                           for a language-practice placement with a mentor)
``supervision_too_low``    the workplace gives more than ``support.max_missing_steps``
                           steps less supervision than the support need calls for
``placement_full``         remaining_slots <= 0
``department_quota_full``  the department has a quota and remaining_quota <= 0
``not_open``               the placement starts more than ``book_ahead_days`` days
                           after as_of, or ended before as_of
=========================  =====================================================

Booking ahead: a placement is open on ``as_of`` when
``start - book_ahead_days <= as_of <= end`` (both ends inclusive; no start or no end
leaves that side open). Caseworkers agree a supported placement weeks before it starts,
so a placement starting within the policy's horizon (``[eligibility] book_ahead_days``,
90 days in the default policy) is suggested and can be accepted now; the engine, the
per-pair reference, ``why_not``, the replay and the booking path all use
:func:`open_on_day` / :func:`open_exclusion`.

An excluded pair is never suggested; :func:`why_not` lists every exclusion that applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from matcher.domain import DepartmentCapacity, EligibilityRules, Participant, Placement
from matcher.factors import language_tolerance, required_supervision
from matcher.language import describe_level

if TYPE_CHECKING:
    from matcher.policy import Policy

RULES: tuple[str, ...] = (
    "min_age",
    "max_age",
    "min_months_on_assistance",
    "newcomer_or_long_term",
    "hours_over_maximum",
    "language_below_tolerance",
    "supervision_too_low",
    "placement_full",
    "department_quota_full",
    "not_open",
)

#: The default policy's horizon (``[eligibility] book_ahead_days``), for callers without one.
DEFAULT_BOOK_AHEAD_DAYS = 90


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Why a pair is not suggested: the rule's name and one sentence in Swedish and English."""

    rule: str
    sv: str
    en: str


def age_at(participant: Participant, as_of: date) -> int:
    """Age at ``as_of`` as the rules count it: ``as_of.year - birth_year``."""
    return as_of.year - participant.birth_year


def rule_exclusions(
    rules: EligibilityRules, participant: Participant, as_of: date
) -> list[Exclusion]:
    """Exclusions from the placement type's rules alone (capacity and dates aside)."""
    age = age_at(participant, as_of)
    found: list[Exclusion] = []
    if rules.min_age is not None and age < rules.min_age:
        found.append(
            Exclusion(
                "min_age",
                f"Platstypen kräver minst {rules.min_age} år (deltagaren är {age}).",
                f"The placement type requires age {rules.min_age} or over (participant is {age}).",
            )
        )
    if rules.max_age is not None and age > rules.max_age:
        found.append(
            Exclusion(
                "max_age",
                f"Platstypen gäller upp till {rules.max_age} år (deltagaren är {age}).",
                f"The placement type is for age {rules.max_age} or under (participant is {age}).",
            )
        )
    if participant.months_on_assistance < rules.min_months_on_assistance:
        found.append(
            Exclusion(
                "min_months_on_assistance",
                f"Platstypen kräver minst {rules.min_months_on_assistance} månader med "
                f"försörjningsstöd (deltagaren har {participant.months_on_assistance}).",
                f"The placement type requires at least {rules.min_months_on_assistance} months "
                f"on assistance (participant has {participant.months_on_assistance}).",
            )
        )
    without_work = participant.months_since_last_job
    if rules.newcomer_or_long_term and not participant.newcomer and without_work is None:
        found.append(
            Exclusion(
                "newcomer_or_long_term",
                f"Platstypen kräver att deltagaren är nyanländ eller har varit utan arbete i "
                f"minst {rules.long_term_months} månader, och slutet på senaste arbetet är "
                "inte registrerat: registrera det för att pröva platsen.",
                f"The placement type requires a newcomer or at least {rules.long_term_months} "
                "months without work, and the end of the last job is not recorded: record it "
                "to try this placement.",
            )
        )
    elif (
        rules.newcomer_or_long_term
        and not participant.newcomer
        and without_work < rules.long_term_months
    ):
        found.append(
            Exclusion(
                "newcomer_or_long_term",
                f"Platstypen kräver att deltagaren är nyanländ eller har varit utan arbete i "
                f"minst {rules.long_term_months} månader.",
                f"The placement type requires a newcomer or at least {rules.long_term_months} "
                f"months without work.",
            )
        )
    return found


def rules_allow(rules: EligibilityRules, participant: Participant, as_of: date) -> bool:
    """True when the type's rules admit the participant (fast path of rule_exclusions)."""
    age = age_at(participant, as_of)
    return (
        (rules.min_age is None or age >= rules.min_age)
        and (rules.max_age is None or age <= rules.max_age)
        and participant.months_on_assistance >= rules.min_months_on_assistance
        and (
            not rules.newcomer_or_long_term
            or participant.newcomer
            or (
                participant.months_since_last_job is not None
                and participant.months_since_last_job >= rules.long_term_months
            )
        )
    )


def pair_exclusions(participant: Participant, placement: Placement, policy: Policy):
    """The hard rules between the person and the workplace: hours, language, supervision.

    The engine applies the same rules vectorised (:func:`matcher.features.pair_rules_mask`).
    """
    found: list[Exclusion] = []
    most, lowest = participant.max_hours, placement.lowest_hours
    if lowest > most:
        part_sv = f" (lägst {lowest} på deltid)" if lowest < placement.hours_per_week else ""
        part_en = f" (at least {lowest} part-time)" if lowest < placement.hours_per_week else ""
        found.append(
            Exclusion(
                "hours_over_maximum",
                f"Platsen kräver {placement.hours_per_week} timmar i veckan{part_sv}; "
                f"deltagaren kan högst {most}.",
                f"The placement asks {placement.hours_per_week} hours a week{part_en}; the "
                f"participant can work at most {most}.",
            )
        )
    short = placement.min_language_level - participant.language_level
    tolerance = language_tolerance(placement.language_practice, policy)
    if short > tolerance:
        have = participant.language_level
        entered = participant.language_entered
        need = placement.min_language_level
        found.append(
            Exclusion(
                "language_below_tolerance",
                f"Platsen kräver svenska {describe_level(need, '', 'sv')}; deltagaren har "
                f"{describe_level(have, entered, 'sv')}, {short} steg under, och platsen "
                f"godtar högst {tolerance}.",
                f"The placement requires Swedish {describe_level(need, '', 'en')}; the "
                f"participant has {describe_level(have, entered, 'en')}, {short} "
                f"step{'s' if short != 1 else ''} below, and it accepts at most {tolerance}.",
            )
        )
    needed = required_supervision(participant.support_need, policy)
    missing = needed - placement.supervision
    if missing > policy.support.max_missing_steps:
        found.append(
            Exclusion(
                "supervision_too_low",
                f"Stödbehov {participant.support_need} behöver handledning på nivå {needed}; "
                f"arbetsplatsen ger {placement.supervision}.",
                f"Support need {participant.support_need} calls for supervision level "
                f"{needed}; the workplace gives {placement.supervision}.",
            )
        )
    return found


def open_on_day(start: date | None, end: date | None, as_of: date, book_ahead_days: int) -> bool:
    """True when ``start - book_ahead_days <= as_of <= end`` (None: that side is open)."""
    return (start is None or as_of + timedelta(days=book_ahead_days) >= start) and (
        end is None or as_of <= end
    )


def open_exclusion(
    start: date | None, end: date | None, as_of: date, book_ahead_days: int
) -> Exclusion | None:
    """The ``not_open`` exclusion naming the side that failed, or None when open."""
    if end is not None and as_of > end:
        return Exclusion(
            "not_open",
            f"Platsen slutade {end.isoformat()}.",
            f"The placement ended {end.isoformat()}.",
        )
    if start is not None and as_of + timedelta(days=book_ahead_days) < start:
        return Exclusion(
            "not_open",
            f"Platsen börjar {start.isoformat()}, mer än {book_ahead_days} dagar fram.",
            f"The placement starts {start.isoformat()}, more than {book_ahead_days} days ahead.",
        )
    return None


def placement_exclusions(
    placement: Placement,
    capacity: DepartmentCapacity | None,
    as_of: date,
    book_ahead_days: int = DEFAULT_BOOK_AHEAD_DAYS,
) -> list[Exclusion]:
    """Exclusions that hold for everyone: full placement, full department, not open.

    ``book_ahead_days`` is the policy's ``eligibility.book_ahead_days``; pass it (the
    default is the default policy's, for callers without a policy at hand).
    """
    found: list[Exclusion] = []
    if placement.remaining_slots <= 0:
        found.append(
            Exclusion(
                "placement_full",
                "Platsen är fullsatt.",
                "The placement has no slots left.",
            )
        )
    if (
        capacity is not None
        and capacity.remaining_quota is not None
        and capacity.remaining_quota <= 0
    ):
        found.append(
            Exclusion(
                "department_quota_full",
                "Förvaltningens kvot för perioden är fylld.",
                "The department's quota for the period is filled.",
            )
        )
    not_open = open_exclusion(placement.start, placement.end, as_of, book_ahead_days)
    if not_open is not None:
        found.append(not_open)
    return found
