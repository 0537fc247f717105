"""Eligibility: the placement type's rules (data), capacity and the open period.

A pair is eligible when no exclusion applies. The exclusions, by rule name:

=========================  =====================================================
rule                       excludes when
=========================  =====================================================
``min_age``                age < type's min_age (age = as_of.year - birth_year)
``max_age``                age > type's max_age
``min_months_on_assistance``  months_on_assistance < type's minimum
``newcomer_or_long_term``  the type demands it, the person is not a newcomer and has
                           been without work fewer than ``long_term_months`` months
``placement_full``         remaining_slots <= 0
``department_quota_full``  the department has a quota and remaining_quota <= 0
``not_open``               as_of is before the placement's start or after its end
=========================  =====================================================

An excluded pair is never suggested; :func:`why_not` lists every exclusion that applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from matcher.domain import DepartmentCapacity, EligibilityRules, Participant, Placement

RULES: tuple[str, ...] = (
    "min_age",
    "max_age",
    "min_months_on_assistance",
    "newcomer_or_long_term",
    "placement_full",
    "department_quota_full",
    "not_open",
)


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
    if (
        rules.newcomer_or_long_term
        and not participant.newcomer
        and participant.months_since_last_job < rules.long_term_months
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
            or participant.months_since_last_job >= rules.long_term_months
        )
    )


def placement_exclusions(
    placement: Placement, capacity: DepartmentCapacity | None, as_of: date
) -> list[Exclusion]:
    """Exclusions that hold for everyone: full placement, full department, not open."""
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
    if (placement.start is not None and as_of < placement.start) or (
        placement.end is not None and as_of > placement.end
    ):
        found.append(
            Exclusion(
                "not_open",
                f"Platsen är inte öppen {as_of.isoformat()}.",
                f"The placement is not open on {as_of.isoformat()}.",
            )
        )
    return found
